import { expect } from 'chai';
import { CONTRACT_CURRENCY_STEPS } from '../../migrations/postgresql/Migration20261123170044_ContractCurrency';
import { CONTRACT_CURRENCY_STEPS_SQLITE } from '../../migrations/sqlite/Migration20261123170025_ContractCurrency';
import type { Migrator } from '@mikro-orm/migrations';
import { createConfig } from '../../src/config/orm-config';
import type { TableSummary } from '../../src/tools/checksum';
import type { RawDb } from '../../src/tools/raw-db';
import { describeEachDialect } from '../helpers/orm';
import { appliedMigrations, foreignKeyProblems, rawFor, realMigrations, schemaFingerprint, seededState } from './db-state';
import { seed } from './seed';

// N roles × M permissions, contracts, subscriptions: small enough for seconds, big enough to matter.
const SIZE = { users: 60, roles: 12, permissionsPerRole: 8, contracts: 600, subscriptionsPerUser: 2 };

describeEachDialect(
  'migrations keep every row (contracts.currency expand/contract)',
  (db) => {
    let raw: RawDb;
    let baseline: TableSummary[];
    let migrator: Migrator;
    const all = () => realMigrations(db.dialect).map((m) => m.name);
    const currency = () => all().find((n) => n.endsWith('_ContractCurrency'))!;
    const checked: string[] = [];

    before(async function () {
      this.timeout(60_000);
      // snapshot: false, or each partial run would rewrite the committed schema snapshot with an old state.
      const migrations = { ...createConfig(db.env).migrations, snapshot: false, silent: true };
      migrator = (await db.openAnother({ migrations })).migrator as Migrator;
      await migrator.up({ to: all()[0] });
      raw = await rawFor(db.env);
      await seed(raw, SIZE);
      baseline = await seededState(raw);
      expect(baseline.map((t) => t.rows)).to.deep.equal([60, 12, 96, 60, 600, 120]);
    });

    after(async () => {
      await raw?.close();
    });

    async function expectDataIntact(step: string): Promise<void> {
      expect(await seededState(raw), `row counts and checksums after ${step}`).to.deep.equal(baseline);
      expect(await foreignKeyProblems(raw), `foreign keys after ${step}`).to.deep.equal([]);
    }

    /** Applies exactly one more migration and checks the data. */
    async function migrateOne(name: string): Promise<void> {
      const done = await migrator.up({ to: name });
      expect(done.map((m) => m.name)).to.deep.equal([name]);
      await expectDataIntact(name);
      checked.push(name);
    }

    async function missingCurrency(): Promise<number> {
      const [row] = await raw.query<{ n: number | bigint | string }>('select count(*) as n from contractdesk_contracts where currency is null');
      return Number(row.n);
    }

    it('runs expand, backfill (twice), verify and contract step by step with every row intact, then rolls back', async () => {
      const names = all();
      for (const name of names.slice(1, names.indexOf(currency()))) await migrateOne(name);
      const schemaBefore = await schemaFingerprint(raw);
      const steps = db.dialect === 'postgresql' ? CONTRACT_CURRENCY_STEPS : CONTRACT_CURRENCY_STEPS_SQLITE;

      await raw.query(db.dialect === 'postgresql' ? 'begin' : 'begin immediate');
      try {
        for (const sql of steps.expand) await raw.query(sql);
        await expectDataIntact('expand');
        // PostgreSQL: the column arrives empty and only new rows get the default, so the backfill has
        // real work; SQLite fills it in the same statement (see the migration), so there is none.
        expect(await missingCurrency()).to.equal(db.dialect === 'postgresql' ? SIZE.contracts : 0);

        for (const sql of steps.backfill) await raw.query(sql);
        expect(await missingCurrency()).to.equal(0);
        const afterFirst = await raw.query('select id, currency from contractdesk_contracts order by id');
        for (const sql of steps.backfill) await raw.query(sql);
        expect(await raw.query('select id, currency from contractdesk_contracts order by id'), 'backfill is idempotent').to.deep.equal(afterFirst);
        await expectDataIntact('backfill');

        const [verify] = await raw.query<{ missing: number | bigint }>(steps.verify);
        expect(Number(verify.missing), 'verified by count before the contract step').to.equal(0);

        for (const sql of steps.contract) await raw.query(sql);
        await expectDataIntact('contract');
        const [xlm] = await raw.query<{ n: number | bigint | string }>("select count(*) as n from contractdesk_contracts where currency = 'XLM'");
        expect(Number(xlm.n)).to.equal(SIZE.contracts);
      } finally {
        await raw.query('rollback');
      }
      expect(await schemaFingerprint(raw), 'rolled back').to.deep.equal(schemaBefore);
      await expectDataIntact('rollback');
    });

    it('the migration keeps every row, serves inserts from older app versions and enforces the currency set', async () => {
      await migrateOne(currency());
      const [xlm] = await raw.query<{ n: number | bigint | string }>("select count(*) as n from contractdesk_contracts where currency = 'XLM'");
      expect(Number(xlm.n)).to.equal(SIZE.contracts);

      const clientId = (await raw.query<{ client_id: string }>('select client_id from contractdesk_contracts limit 1'))[0].client_id;
      const freelancerId = (await raw.query<{ freelancer_id: string }>('select freelancer_id from contractdesk_contracts limit 1'))[0].freelancer_id;
      const p = db.dialect === 'postgresql' ? (i: number) => `$${i}` : () => '?';
      await raw.query(db.dialect === 'postgresql' ? 'begin' : 'begin immediate');
      try {
        // An app version that predates the column inserts without it and gets the default.
        await raw.query(
          `insert into contractdesk_contracts (id, title, client_id, freelancer_id, amount, status, version, created_at, updated_at)
           values (${p(1)}, 'old app', ${p(2)}, ${p(3)}, 5, 'draft', 1, ${p(4)}, ${p(5)})`,
          [
            '00000000-0000-4000-a000-00000000c0de',
            clientId,
            freelancerId,
            db.dialect === 'postgresql' ? new Date().toISOString() : Date.now(),
            db.dialect === 'postgresql' ? new Date().toISOString() : Date.now(),
          ],
        );
        const [row] = await raw.query<{ currency: string }>(`select currency from contractdesk_contracts where id = ${p(1)}`, ['00000000-0000-4000-a000-00000000c0de']);
        expect(row.currency).to.equal('XLM');
        await raw.query('savepoint bad_currency');
        let rejected: unknown;
        await raw.query("update contractdesk_contracts set currency = 'DOGE'").catch((e) => (rejected = e));
        expect(rejected, 'CHECK rejects a currency outside the set').to.be.instanceOf(Error);
        await raw.query('rollback to savepoint bad_currency');
      } finally {
        await raw.query('rollback');
      }
      await expectDataIntact('probe rollback');
    });

    it('data survives every migration from the first to the last', async () => {
      const names = all();
      for (const name of names.slice(names.indexOf(currency()) + 1)) await migrateOne(name);
      expect(checked, 'every migration after the first was applied on seeded data and checked').to.deep.equal(names.slice(1));
      expect(await migrator.getPendingMigrations()).to.deep.equal([]);
      expect(await appliedMigrations(raw)).to.deep.equal(names);
      await expectDataIntact('last migration');
    });

    it('auth_subject (expand): existing users keep their rows without a subject; many may lack one, a subject binds once', async () => {
      const [row] = await raw.query<{ n: number | bigint | string }>('select count(*) as n from contractdesk_users where auth_subject is null');
      expect(Number(row.n)).to.equal(SIZE.users);
      const [first, second] = await raw.query<{ id: string }>('select id from contractdesk_users order by id limit 2');
      await raw.query("update contractdesk_users set auth_subject = 'idp|one' where id = '" + first.id + "'");
      let refused: unknown;
      await raw.query("update contractdesk_users set auth_subject = 'idp|one' where id = '" + second.id + "'").catch((e) => (refused = e));
      expect(refused, 'the unique index refuses a second user for one subject').to.be.instanceOf(Error);
      if (db.dialect === 'postgresql') await raw.query('rollback').catch(() => undefined);
      await raw.query("update contractdesk_users set auth_subject = null where id = '" + first.id + "'");
      await expectDataIntact('auth_subject probe');
      const [claims] = await raw.query<{ n: number | bigint | string }>('select count(*) as n from contractdesk_admin_bootstrap');
      expect(Number(claims.n)).to.equal(0);
    });

    // MikroORM 6 has no down() for SQLite; its rollback is restoring a VACUUM INTO snapshot (docs/operations.md).
    if (db.dialect === 'postgresql') it('rollback: down() from the currency migration keeps every row, and up() again restores it', async () => {
      const names = all();
      const reverted = await migrator.down({ to: currency() });
      expect(reverted.map((m) => m.name)).to.deep.equal(names.slice(names.indexOf(currency())).reverse());
      expect((await raw.query("select 1 from information_schema.columns where table_name = 'contracts' and column_name = 'currency'")).length).to.equal(0);
      await expectDataIntact('down');
      await migrator.up();
      expect(await appliedMigrations(raw)).to.deep.equal(names);
      await expectDataIntact('up after down');
    });
  },
  { migrate: false, clearBeforeEach: false, sqliteFile: true },
);
