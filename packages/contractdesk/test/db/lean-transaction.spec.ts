import { expect } from 'chai';
import { type EventSubscriber, IsolationLevel, type TransactionEventArgs } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { LeanTransaction } from '../../src/db/lean-transaction';
import { describeEachDialect } from '../helpers/orm';
import { translateError } from '../../src/errors/translate';

/**
 * Lean transactions replace knex's transaction object under MikroORM (src/db/lean-transaction.ts). These
 * pin what knex's gave us: one connection per transaction, given back exactly once and never while a
 * transaction is still open on it; statements through a finished transaction refused; savepoints for
 * nested transactions; the platform's BEGIN options; and MikroORM's transaction hooks.
 */
describeEachDialect(
  'lean transactions',
  (db) => {
    // A deferred foreign key fails at COMMIT, not at the INSERT: the one way to make COMMIT itself fail.
    const PROBE_DDL = 'create table if not exists lean_probe (id integer primary key, parent integer references lean_probe (id) deferrable initially deferred)';

    before(async () => {
      await db.orm.em.getConnection().execute(PROBE_DDL);
    });
    beforeEach(async () => {
      await db.orm.em.getConnection().execute('delete from lean_probe');
    });

    const insert = (em: EntityManager, id: number, parent: number | null = null) =>
      em.getConnection().execute('insert into lean_probe (id, parent) values (?, ?)', [id, parent], 'run', em.getTransactionContext());
    const ids = async () =>
      ((await db.orm.em.getConnection().execute('select id from lean_probe order by id')) as { id: number | string }[]).map((r) => Number(r.id));

    it('MikroORM transactions run as lean transactions on both backends', async () => {
      const em = db.em();
      await em.begin();
      expect(em.getTransactionContext()).to.be.instanceOf(LeanTransaction);
      await em.rollback();
    });

    it('a COMMIT that fails rolls back, reports the error, and the connection serves the next transactions', async () => {
      // A small pool: a connection kept after the failure, or returned mid-transaction, shows up within a few rounds.
      const orm = await db.openAnother({ pool: { min: 0, max: 2 } });
      for (let round = 0; round < 4; round++) {
        const em = orm.em.fork() as EntityManager;
        await em.begin();
        await insert(em, 10 + round, 999); // no row 999: refused at COMMIT
        let failed: unknown;
        try {
          await em.commit();
        } catch (error) {
          failed = error;
          await em.rollback().catch(() => undefined);
        }
        expect(failed, `round ${round}`).to.be.instanceOf(Error);
        // The connection is clean: a new transaction on it commits (SQLite would refuse "BEGIN" inside an open one).
        await orm.em.fork().transactional(async (tx) => {
          await insert(tx as EntityManager, 100 + round);
        });
      }
      expect(await ids()).to.deep.equal([100, 101, 102, 103]);
    });

    it('a statement sent through a finished transaction is refused and runs nowhere', async () => {
      const em = db.em();
      await em.begin();
      const ctx = em.getTransactionContext();
      await insert(em, 1);
      await em.commit();
      let refused: unknown;
      try {
        await em.getConnection().execute('insert into lean_probe (id) values (2)', [], 'run', ctx);
      } catch (error) {
        refused = error;
      }
      expect(String(refused)).to.match(/transaction has already finished/);
      let refusedViaKnex: unknown;
      try {
        await db.orm.em.getKnex().raw('insert into lean_probe (id) values (3)').transacting(ctx as never);
      } catch (error) {
        refusedViaKnex = error;
      }
      expect(String(refusedViaKnex)).to.match(/transaction has already finished/);
      expect(await ids()).to.deep.equal([1]);
      // A programming error, not a lost connection: not retryable.
      expect(translateError(refused).code).to.equal('INTERNAL');
    });

    it('queries built with knex inside the transaction run on its connection and see its writes', async () => {
      const em = db.em();
      await em.begin();
      try {
        await insert(em, 1);
        const ctx = em.getTransactionContext();
        const inside = (await db.orm.em.getKnex().raw('select count(*) as n from lean_probe').transacting(ctx as never)) as unknown;
        const rows = Array.isArray(inside) ? inside : (inside as { rows: unknown[] }).rows;
        expect(Number((rows[0] as { n: unknown }).n)).to.equal(1);
        const qb = em.createQueryBuilder('lean_probe' as never).count().getKnexQuery();
        expect(Number(Object.values(((await em.getConnection().execute(qb, [], 'get', ctx)) as Record<string, unknown>) ?? {})[0])).to.equal(1);
        if (db.dialect === 'postgresql') {
          // Another connection does not see the uncommitted row (SQLite has only the one connection).
          expect(await ids()).to.deep.equal([]);
        }
      } finally {
        await em.rollback();
      }
      expect(await ids()).to.deep.equal([]);
    });

    it('nested transactions are savepoints: an inner rollback keeps the outer work, an outer one discards all', async () => {
      await db.em().transactional(async (outer) => {
        await insert(outer as EntityManager, 1);
        await outer
          .transactional(async (inner) => {
            await insert(inner as EntityManager, 2);
            throw new Error('inner fails');
          })
          .catch(() => undefined);
        await outer.transactional(async (inner) => insert(inner as EntityManager, 3));
      });
      expect(await ids()).to.deep.equal([1, 3]);

      await db
        .em()
        .transactional(async (outer) => {
          await insert(outer as EntityManager, 4);
          await outer.transactional(async (inner) => insert(inner as EntityManager, 5));
          throw new Error('outer fails');
        })
        .catch(() => undefined);
      expect(await ids()).to.deep.equal([1, 3]);
    });

    it('transaction hooks fire once per top-level transaction, never for savepoints', async () => {
      const seen: string[] = [];
      const record = (name: string) => (_args: TransactionEventArgs) => {
        seen.push(name);
      };
      const subscriber: EventSubscriber = {
        beforeTransactionStart: record('beforeStart'),
        afterTransactionStart: record('afterStart'),
        beforeTransactionCommit: record('beforeCommit'),
        afterTransactionCommit: record('afterCommit'),
        beforeTransactionRollback: record('beforeRollback'),
        afterTransactionRollback: record('afterRollback'),
      };
      const orm = await db.openAnother({ subscribers: [subscriber] });
      await orm.em.fork().transactional(async (outer) => {
        await outer.transactional(async (inner) => insert(inner as EntityManager, 1));
      });
      expect(seen).to.deep.equal(['beforeStart', 'afterStart', 'beforeCommit', 'afterCommit']);
      seen.length = 0;
      await orm.em
        .fork()
        .transactional(async (outer) => {
          await insert(outer as EntityManager, 2);
          throw new Error('fails');
        })
        .catch(() => undefined);
      expect(seen).to.deep.equal(['beforeStart', 'afterStart', 'beforeRollback', 'afterRollback']);
      expect(await ids()).to.deep.equal([1]);
    });

    it('a failing afterTransactionStart hook ends the transaction it was given and frees the connection', async () => {
      let fail = true;
      const orm = await db.openAnother({
        pool: { min: 0, max: 1 },
        subscribers: [
          {
            afterTransactionStart: () => {
              if (fail) throw new Error('hook failed');
            },
          },
        ],
      });
      let refused: unknown;
      await orm.em
        .fork()
        .transactional(async (tx) => insert(tx as EntityManager, 1))
        .catch((error: unknown) => (refused = error));
      expect(String(refused)).to.match(/hook failed/);
      fail = false;
      // One pooled connection: had it been kept, this would wait for the pool until the acquire timeout.
      await orm.em.fork().transactional(async (tx) => insert(tx as EntityManager, 2));
      expect(await ids()).to.deep.equal([2]);
    });

    if (db.dialect === 'postgresql') it('isolation level and read-only options reach the database', async () => {
      const level = await db.em().transactional(
        async (tx) => (await tx.getConnection().execute('show transaction_isolation', [], 'get', tx.getTransactionContext())) as { transaction_isolation: string },
        { isolationLevel: IsolationLevel.SERIALIZABLE },
      );
      expect(level.transaction_isolation).to.equal('serializable');
      let refused: unknown;
      await db
        .em()
        .transactional(async (tx) => insert(tx as EntityManager, 1), { readOnly: true })
        .catch((error: unknown) => (refused = error));
      expect((refused as { code?: string })?.code).to.equal('25006'); // read_only_sql_transaction
      expect(await ids()).to.deep.equal([]);
    });

    it('refuses an isolation level that is not one of MikroORM’s', async () => {
      let refused: unknown;
      await db
        .em()
        .transactional(async () => undefined, { isolationLevel: 'serializable; drop table contractdesk_users' as IsolationLevel })
        .catch((error: unknown) => (refused = error));
      expect(String(refused)).to.match(/Unsupported isolation level/);
    });
  },
  { sqliteFile: true },
);
