import { expect } from 'chai';
import type { EntityManager } from '@mikro-orm/knex';
import type { ContractDeskOrm } from '../../src/config/orm-config';
import { ContractService } from '../../src/services/contract.service';
import { describeEachDialect } from '../helpers/orm';
import { makeContract } from '../helpers/factories';

/**
 * The query log is where a conflict gets explained, so it must show every statement a service sends, as sent:
 * the real BEGIN, the read that decided the write, and the guarded UPDATE (in the style of MikroORM's own
 * mockLogger tests, which assert the exact SQL a flush sends).
 */
describeEachDialect(
  'every statement a service sends is logged and reaches onQuery',
  (db) => {
    let orm: ContractDeskOrm;
    const logged: string[] = [];
    const hooked: string[] = [];
    const hookedParams: unknown[][] = [];

    /** One statement as the log shows it: no colours, no timing, one quoting style for both dialects. */
    const statement = (line: string) =>
      line
        .replace(/\u001b\[\d+m/g, '')
        .replace(/^\[query\] /, '')
        .replace(/ \[took .*$/, '')
        .replace(/ \(via (?:read|write) connection '[^']*'\)$/, '')
        .replace(/`/g, '"');

    before(async () => {
      orm = await db.openAnother({
        debug: ['query'],
        colors: false,
        logger: (message: string) => logged.push(message),
        onQuery: (sql: string, params: readonly unknown[]) => {
          hooked.push(sql);
          hookedParams.push([...params]);
          return sql;
        },
      });
    });

    it('a transition: BEGIN, the deciding SELECT, update … where id = ? and version = ?, COMMIT', async () => {
      const contract = await makeContract(orm.em.fork() as EntityManager);
      logged.length = 0;
      hooked.length = 0;
      await new ContractService(orm.em.fork() as EntityManager).transition(contract.id, { to: 'active', expectedVersion: 1 });

      const begin = db.dialect === 'sqlite' ? /^begin immediate$/ : /^begin$/;
      const shape = [begin, /^select .* from "contractdesk_contracts" where "id" = \?$/, /^update "contractdesk_contracts" set .* where "id" = \? and "version" = \?/, /^commit$/];
      const sent = logged.map(statement);
      expect(sent, sent.join('\n')).to.have.length(shape.length);
      shape.forEach((pattern, i) => expect(sent[i]).to.match(pattern));
      // The hook saw the same statements, in the same order.
      expect(hooked.map(statement)).to.deep.equal(sent);
      // With a reader connection (a SQLite file), each line names the connection it went through.
      if (db.dialect === 'sqlite') for (const line of logged) expect(line).to.include("(via write connection 'sqlite-writer')");
      for (const line of logged) expect(line).not.to.include("'undefined'");
    });

    it('a guarded change (the HTTP party check) adds no statement: the guard decides on the one SELECT the write uses', async () => {
      const contract = await makeContract(orm.em.fork() as EntityManager);
      logged.length = 0;
      let guarded = 0;
      await new ContractService(orm.em.fork() as EntityManager).transition(contract.id, { to: 'active', expectedVersion: 1 }, { guard: () => void guarded++ });
      expect(guarded).to.equal(1);
      const sent = logged.map(statement);
      expect(sent.filter((sql) => sql.startsWith('select')), sent.join('\n')).to.have.length(1);
      expect(sent, sent.join('\n')).to.have.length(4);
    });

    it('a batch revision updates its rows in id order, whatever order the caller listed and the table stores them in', async () => {
      const made = [];
      for (let i = 0; i < 6; i++) made.push(await makeContract(orm.em.fork() as EntityManager));
      const descending = made.map((c) => c.id).sort().reverse();
      // Rewriting each row in descending id order moves it to the end of PostgreSQL's heap, so an unordered
      // scan returns them descending: the order two concurrent batches must not both follow their own way.
      for (const id of descending) await new ContractService(orm.em.fork() as EntityManager).reviseAmount(id, { expectedVersion: 1, amount: 1n });
      hooked.length = 0;
      hookedParams.length = 0;
      await new ContractService(orm.em.fork() as EntityManager).reviseAmounts(
        descending.map((id) => ({ id, expectedVersion: 2, amount: 2n })),
      );
      const updated = hooked.flatMap((sql, i) =>
        sql.startsWith('update') ? [descending.find((id) => hookedParams[i].includes(id) || sql.includes(id))] : [],
      );
      expect(updated).to.deep.equal([...descending].reverse());
    });

    it('a read outside a transaction: the lean SELECT is logged too', async () => {
      const contract = await makeContract(orm.em.fork() as EntityManager);
      logged.length = 0;
      await new ContractService(orm.em.fork() as EntityManager).get(contract.id);
      expect(logged.map(statement)).to.deep.equal([statement(hooked[hooked.length - 1])]);
      expect(statement(hooked[hooked.length - 1])).to.match(/^select .* from "contractdesk_contracts" where "id" = \?$/);
    });
  },
  { sqliteFile: true },
);
