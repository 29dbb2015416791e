import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/knex';
import type { LoggerNamespace } from '@mikro-orm/core';
import { type OrmLogEntry, debugNamespaces, ormLogTo } from '../../src/config/log-sink';
import { ContractService } from '../../src/services/contract.service';
import { describeEachDialect } from '../helpers/orm';
import { makeContract } from '../helpers/factories';

describe('DB_DEBUG', () => {
  it('true shows statements but not their values; values only when query-params is listed', () => {
    expect(debugNamespaces('true')).to.include('query').and.not.include('query-params');
    expect(debugNamespaces('query,query-params')).to.deep.equal(['query', 'query-params']);
    expect(debugNamespaces(undefined)).to.equal(false);
    expect(debugNamespaces('false')).to.equal(false);
  });
});

/** A host's `(entry) => void` sink gets every statement with its timing, and never the values bound to it. */
describeEachDialect(
  'ormLogTo: the ORM log as structured entries',
  (db) => {
    async function entriesFor(namespaces: LoggerNamespace[]): Promise<{ entries: OrmLogEntry[]; title: string }> {
      const entries: OrmLogEntry[] = [];
      const orm = await db.openAnother(ormLogTo((entry) => entries.push(entry), namespaces));
      const title = `Private ${randomUUID()}`;
      const contract = await makeContract(orm.em.fork() as EntityManager, { title });
      // A service's transition: lean reads, a planned update and the transaction statements all go through the sink.
      await new ContractService(orm.em.fork() as EntityManager).transition(contract.id, { to: 'active', expectedVersion: 1 });
      await orm.close(true);
      return { entries, title };
    }

    it('statements with placeholders, timing and row counts; no bound value anywhere in an entry', async () => {
      const { entries, title } = await entriesFor(['query']);
      const queries = entries.filter((entry) => entry.query);
      expect(queries.some((entry) => /^insert into .contractdesk_contracts/i.test(entry.message))).to.equal(true);
      const update = queries.find((entry) => /^update .contractdesk_contracts/i.test(entry.message))!;
      expect(update.query).to.include({ affected: 1, failed: false });
      expect(update.query!.tookMs).to.be.a('number');
      expect(JSON.stringify(entries)).not.to.include(title);
    });

    it("'query-params' is the explicit opt-in for values", async () => {
      const { entries, title } = await entriesFor(['query', 'query-params']);
      expect(JSON.stringify(entries)).to.include(title);
    });
  },
  { sqliteFile: true },
);
