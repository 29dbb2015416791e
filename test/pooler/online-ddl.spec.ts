import { expect } from 'chai';
import { openSqlite } from '../../src/db/better-sqlite3';
import { Client } from 'pg';
import { ContractStatus } from '../../src/domain/contract-status';
import { DomainError } from '../../src/errors/domain-error';
import { ContractService } from '../../src/services/contract.service';
import { UserService } from '../../src/services/user.service';
import { uniqueName } from '../helpers/factories';
import { describeEachDialect } from '../helpers/orm';

const WORKERS = 4;
const CONTRACTS_PER_WORKER = 3;
const ROUNDS = 12;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The steps an expand/contract rollout makes while the app serves, from another connection: widen a column's
 * type (PostgreSQL; SQLite cannot), add a column, index it, drop the index, drop the column, narrow back.
 * A widened varchar changes the result type of every statement reading it, which is what broke cached plans
 * of named prepared statements (0A000) on every pooled connection.
 */
const PG_ROUND = [
  'alter table contractdesk_contracts alter column title type varchar(300)',
  'alter table contractdesk_contracts add column ddl_probe integer',
  'create index contracts_ddl_probe_idx on contractdesk_contracts (ddl_probe)',
  'drop index contracts_ddl_probe_idx',
  'alter table contractdesk_contracts drop column ddl_probe',
  'alter table contractdesk_contracts alter column title type varchar(200)',
];
const SQLITE_ROUND = [
  'alter table contractdesk_contracts add column ddl_probe integer',
  'create index contracts_ddl_probe_idx on contractdesk_contracts (ddl_probe)',
  'drop index contracts_ddl_probe_idx',
  'alter table contractdesk_contracts drop column ddl_probe',
];

interface Owned {
  id: string;
  clientId: string;
  version: number;
  title: string;
  amount: bigint;
  status: ContractStatus;
}

describeEachDialect(
  'online DDL never breaks reads or writes',
  (db) => {
    it(`reads and versioned writes in a loop while another connection runs ${ROUNDS} rounds of DDL: no error that is not retryable, no INTERNAL, data intact`, async function () {
      this.timeout(180_000);
      const contracts = () => new ContractService(db.em());
      const name = uniqueName();
      const client = await new UserService(db.em()).register({ username: `c${name}`, email: `c${name}@example.org`, role: 'client' });
      const freelancer = await new UserService(db.em()).register({ username: `f${name}`, email: `f${name}@example.org`, role: 'freelancer' });
      const owned: Owned[][] = [];
      for (let w = 0; w < WORKERS; w++) {
        owned.push([]);
        for (let i = 0; i < CONTRACTS_PER_WORKER; i++) {
          const c = await contracts().create({ title: `w${w}c${i}`, clientId: client.id, freelancerId: freelancer.id, amount: 1 });
          owned[w].push({ id: c.id, clientId: client.id, version: c.version, title: c.title, amount: c.amount, status: c.status });
        }
      }

      const failures: string[] = [];
      let retryable = 0;
      let operations = 0;
      let done = false;

      const record = (error: unknown, what: string) => {
        if (error instanceof DomainError && error.retryable) {
          retryable++;
          return;
        }
        failures.push(`${what}: ${error instanceof DomainError ? `${error.code} ${error.message}` : String(error)}`);
      };

      /** After an error of unknown outcome, learn what was stored (the write either happened or not). */
      const resync = async (c: Owned) => {
        for (let attempt = 0; attempt < 200 && failures.length < 50; attempt++) {
          try {
            const stored = await contracts().get(c.id);
            Object.assign(c, { version: stored.version, title: stored.title, amount: stored.amount, status: stored.status });
            return;
          } catch (error) {
            record(error, 'resync');
            await sleep(5);
          }
        }
      };

      const worker = async (mine: Owned[]) => {
        for (let n = 0; !done && failures.length < 50; n++) {
          // better-sqlite3 answers synchronously, so a loop of reads could run on microtasks alone and starve
          // the timers the DDL side waits on.
          await new Promise((resolve) => setImmediate(resolve));
          const c = mine[n % mine.length];
          try {
            switch (n % 5) {
              case 0: {
                const got = await contracts().get(c.id);
                expect([got.version, got.title, got.amount]).to.deep.equal([c.version, c.title, c.amount]);
                break;
              }
              case 1:
                expect((await contracts().listForClient(c.clientId, { limit: 100 })).length).to.equal(WORKERS * CONTRACTS_PER_WORKER);
                break;
              case 2: {
                const title = `t${n}-${c.id.slice(0, 4)}`;
                const saved = await contracts().rename(c.id, { title, expectedVersion: c.version });
                Object.assign(c, { version: saved.version, title });
                break;
              }
              case 3: {
                // The amount may change only while the contract is a draft (a domain rule, not a database error).
                if (c.status !== ContractStatus.Draft) break;
                const amount = BigInt(n);
                const saved = await contracts().reviseAmount(c.id, { amount: String(amount), expectedVersion: c.version });
                Object.assign(c, { version: saved.version, amount });
                break;
              }
              default: {
                // Transitions start once some amounts were revised (both kinds of write run during the DDL).
                if (n < 60) break;
                const to = c.status === ContractStatus.Draft ? ContractStatus.Active : c.status === ContractStatus.Active ? ContractStatus.Disputed : undefined;
                if (!to) break;
                const saved = await contracts().transition(c.id, { to, expectedVersion: c.version });
                Object.assign(c, { version: saved.version, status: to });
              }
            }
            operations++;
          } catch (error) {
            if ((error as Error)?.name === 'AssertionError') throw error;
            record(error, `op ${n % 5}`);
            await resync(c);
          }
        }
      };

      const ddl = async () => {
        if (db.dialect === 'postgresql') {
          // DDL goes straight to PostgreSQL, as a migration tool would, even when the app is behind the pooler.
          const admin = new Client({ connectionString: db.directEnv.DATABASE_URL });
          await admin.connect();
          try {
            for (let r = 0; r < ROUNDS; r++) for (const sql of PG_ROUND) await admin.query(sql).then(() => sleep(15));
          } finally {
            await admin.end();
          }
        } else {
          const other = openSqlite(db.env.DB_PATH);
          other.pragma('busy_timeout = 5000');
          try {
            for (let r = 0; r < ROUNDS; r++) {
              for (const sql of SQLITE_ROUND) {
                other.exec(sql);
                await sleep(15);
              }
            }
          } finally {
            other.close();
          }
        }
      };

      const workers = owned.map((mine) => worker(mine));
      try {
        await ddl();
      } finally {
        done = true;
      }
      await Promise.all(workers);

      expect(failures, failures.slice(0, 10).join('\n')).to.deep.equal([]);
      expect(operations).to.be.greaterThan(ROUNDS * 10);
      // The data: every contract holds exactly what its owner last wrote, at the version it last saw.
      for (const c of owned.flat()) {
        const stored = await contracts().get(c.id);
        expect({ version: stored.version, title: stored.title, amount: stored.amount, status: stored.status }).to.deep.equal({
          version: c.version,
          title: c.title,
          amount: c.amount,
          status: c.status,
        });
      }
      console.log(`      [${db.variant}] ${ROUNDS} DDL rounds, ${operations} operations, ${retryable} retryable errors, 0 other`);
    });
  },
  { sqliteFile: true },
);
