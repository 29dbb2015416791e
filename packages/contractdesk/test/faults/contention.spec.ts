import { openSqlite } from '../../src/db/better-sqlite3';
import { expect } from 'chai';
import { type ContractDeskOrm, initOrm } from '../../src/config/orm-config';
import { Contract } from '../../src/entities/contract.entity';
import { User } from '../../src/entities/user.entity';
import { translateError } from '../../src/errors/translate';
import { ContractService } from '../../src/services/contract.service';
import { withRetry } from '../../src/services/retry';
import { type Em, TransactionScope } from '../../src/services/transaction-scope';
import { makeContract, makeUser } from '../helpers/factories';
import { PartyRole } from '../../src/domain/party-role';
import { describeEachDialect } from '../helpers/orm';
import { barrier } from './support/barrier';
import { expectContention } from './support/expect-errors';

const settle = <T>(p: Promise<T>) => p.then(() => 'ok' as const, (e: unknown) => e);

describe('faults: raw driver contention codes translate to DB.CONTENTION (unit)', () => {
  for (const code of ['40001', '40P01', '55P03', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_BUSY_SNAPSHOT']) {
    it(code, () => expectContention(translateError(Object.assign(new Error('driver text'), { code }))));
  }
});

describeEachDialect(
  'faults: contention surfaces as DB.CONTENTION and withRetry applies the whole transaction exactly once',
  (db) => {
    let client: User;
    let freelancer: User;
    beforeEach(async () => {
      [client, freelancer] = [await makeUser(db.em(), PartyRole.Client), await makeUser(db.em(), PartyRole.Freelancer)];
    });
    const createInput = (title: string) => ({ title, clientId: client.id, freelancerId: freelancer.id, amount: '5' });
    const countTitled = async (title: string) => db.em().count(Contract, { title });

    if (db.dialect === 'sqlite') {
      /** Another connection (as another process would) takes the write lock and keeps it. */
      const holdWriteLock = () => {
        const other = openSqlite(db.env.DB_PATH);
        other.exec('BEGIN IMMEDIATE');
        other.prepare(`update contractdesk_users set email = email where id = ?`).run(client.id);
        return {
          release: () => {
            if (other.open) {
              other.exec('ROLLBACK');
              other.close();
            }
          },
        };
      };
      let impatient: ContractDeskOrm;
      before(async () => {
        impatient = await initOrm({ env: { ...db.env, DB_BUSY_TIMEOUT: '200' }, log: () => undefined });
      });
      after(async () => impatient?.close(true));

      it('a writer that waits longer than busy_timeout (200 ms) gets DB.CONTENTION, and wrote nothing', async () => {
        const lock = holdWriteLock();
        try {
          const error = await settle(new ContractService(impatient.em).create(createInput('busy-1')));
          expectContention(error);
        } finally {
          lock.release();
        }
        expect(await countTitled('busy-1')).to.equal(0);
        // The same ORM writes normally once the lock is gone.
        await new ContractService(impatient.em).create(createInput('busy-1b'));
        expect(await countTitled('busy-1b')).to.equal(1);
      });

      it('withRetry: two busy failures, then the lock is released; the contract exists exactly once', async () => {
        const lock = holdWriteLock();
        const attempts: number[] = [];
        const failures: unknown[] = [];
        try {
          await withRetry(
            async (attempt) => {
              attempts.push(attempt);
              if (attempt === 3) lock.release();
              return new ContractService(impatient.em).create(createInput('busy-2'));
            },
            { attempts: 5, baseDelayMs: 5, onRetry: (e) => failures.push(e) },
          );
        } finally {
          lock.release();
        }
        expect(attempts).to.deep.equal([1, 2, 3]);
        failures.forEach((e) => expectContention(e));
        expect(await countTitled('busy-2')).to.equal(1);
      });

      it('withRetry: the lock holder lets go on its own after ~500 ms; the retried write lands exactly once', async () => {
        const lock = holdWriteLock();
        const timer = setTimeout(lock.release, 500);
        const failures: unknown[] = [];
        try {
          await withRetry(() => new ContractService(impatient.em).create(createInput('busy-3')), {
            attempts: 20,
            baseDelayMs: 20,
            maxDelayMs: 100,
            onRetry: (e) => failures.push(e),
          });
        } finally {
          clearTimeout(timer);
          lock.release();
        }
        expect(failures.length).to.be.greaterThan(0);
        failures.forEach((e) => expectContention(e));
        expect(await countTitled('busy-3')).to.equal(1);
      });
    }

    if (db.dialect === 'postgresql') {
      const increment = (em: Em, id: string) => em.execute(`update contractdesk_contracts set amount = amount + 1 where id = ?`, [id]);
      const amounts = async (ids: string[]) => {
        const rows = await db.em().find(Contract, { id: { $in: ids } });
        return ids.map((id) => rows.find((r) => r.id === id)!.amount);
      };

      /**
       * Each transaction increments both contracts, in opposite orders, and both hold their first row
       * lock before taking the second: a real deadlock, which PostgreSQL breaks by aborting one of them.
       */
      const crossedIncrements = (a: string, b: string, meet: () => Promise<void>, firstAttemptOnly: { attempt: number }) => {
        const tx = (first: string, second: string) => (em: Em) =>
          (async () => {
            await increment(em, first);
            if (firstAttemptOnly.attempt === 1) await meet();
            await increment(em, second);
          })();
        return { ab: tx(a, b), ba: tx(b, a) };
      };

      it('deadlock: two transactions locking rows in opposite order → one gets DB.CONTENTION, its increments are gone', async () => {
        const [a, b] = [await makeContract(db.em()), await makeContract(db.em())];
        const meet = barrier(2);
        const { ab, ba } = crossedIncrements(a.id, b.id, meet, { attempt: 1 });
        const results = await Promise.all([settle(new TransactionScope(db.em()).write(ab)), settle(new TransactionScope(db.em()).write(ba))]);
        const failed = results.filter((r) => r !== 'ok');
        expect(failed, 'exactly one deadlock victim').to.have.length(1);
        expectContention(failed[0]);
        // Only the survivor's two increments are there: the victim left nothing behind.
        expect(await amounts([a.id, b.id])).to.deep.equal([a.amount + 1n, b.amount + 1n]);
      });

      it('deadlock + withRetry: the victim is re-run as a whole; each increment applied exactly once', async () => {
        const [a, b] = [await makeContract(db.em()), await makeContract(db.em())];
        const meet = barrier(2);
        const runs: Array<{ attempt: number }> = [{ attempt: 0 }, { attempt: 0 }];
        const failures: unknown[] = [];
        const pair = [crossedIncrements(a.id, b.id, meet, runs[0]).ab, crossedIncrements(a.id, b.id, meet, runs[1]).ba];
        await Promise.all(
          pair.map((work, i) =>
            withRetry(
              (attempt) => {
                runs[i].attempt = attempt;
                return new TransactionScope(db.em()).write(work);
              },
              { attempts: 4, baseDelayMs: 10, onRetry: (e) => failures.push(e) },
            ),
          ),
        );
        expect(failures).to.have.length(1);
        expectContention(failures[0]);
        expect(runs.map((r) => r.attempt).sort()).to.deep.equal([1, 2]);
        expect(await amounts([a.id, b.id])).to.deep.equal([a.amount + 2n, b.amount + 2n]);
      });

      /**
       * Write skew under SERIALIZABLE: each transaction reads both rows and then writes one of them.
       * Both commits together would not match any serial order, so one fails (SQLSTATE 40001).
       */
      const skewed = (rows: string[], target: string, meet: () => Promise<void>, firstAttemptOnly: { attempt: number }) => (em: Em) =>
        (async () => {
          await em.execute('set transaction isolation level serializable');
          const [{ total }] = await em.execute(`select sum(amount)::text as total from contractdesk_contracts where id in (?, ?)`, rows);
          if (firstAttemptOnly.attempt === 1) await meet();
          await em.execute(`update contractdesk_contracts set amount = ? where id = ?`, [String(BigInt(total) + 1n), target]);
        })();

      it('serialization failure: SERIALIZABLE write skew → DB.CONTENTION for one; withRetry re-runs it on fresh data', async () => {
        const [a, b] = [await makeContract(db.em(), { amount: 10n }), await makeContract(db.em(), { amount: 20n })];
        const ids = [a.id, b.id];

        const meet = barrier(2);
        const once = { attempt: 1 };
        const results = await Promise.all([
          settle(new TransactionScope(db.em()).write(skewed(ids, a.id, meet, once))),
          settle(new TransactionScope(db.em()).write(skewed(ids, b.id, meet, once))),
        ]);
        const failed = results.filter((r) => r !== 'ok');
        expect(failed, 'exactly one serialization victim').to.have.length(1);
        expectContention(failed[0]);
        // One of the serial outcomes: the survivor set its row to 10 + 20 + 1 = 31, the other row is unchanged.
        expect((await amounts(ids)).map(String).sort().join()).to.be.oneOf(['10,31', '20,31']);

        // Again from a fresh start, with retries: the result equals running the two one after the other.
        await db.em().nativeUpdate(Contract, { id: a.id }, { amount: 10n });
        await db.em().nativeUpdate(Contract, { id: b.id }, { amount: 20n });
        const meet2 = barrier(2);
        const runs = [{ attempt: 0 }, { attempt: 0 }];
        const failures: unknown[] = [];
        await Promise.all(
          [a.id, b.id].map((target, i) =>
            withRetry(
              (attempt) => {
                runs[i].attempt = attempt;
                return new TransactionScope(db.em()).write(skewed(ids, target, meet2, runs[i]));
              },
              { attempts: 4, baseDelayMs: 10, onRetry: (e) => failures.push(e) },
            ),
          ),
        );
        // At least one victim; a retry that starts before the winner committed can conflict once more.
        expect(failures).to.have.length.greaterThan(0);
        failures.forEach((e) => expectContention(e));
        // a first: a = 31, then b = 31 + 20 + 1 = 52; b first: b = 31, then a = 10 + 31 + 1 = 42.
        expect((await amounts(ids)).map(String).sort().join()).to.be.oneOf(['31,52', '31,42']);
      });
    }
  },
  { sqliteFile: true },
);
