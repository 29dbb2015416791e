import { expect } from 'chai';
import { Migration } from '@mikro-orm/migrations';
import type { MigrationObject } from '@mikro-orm/core';
import { createConfig } from '../../src/config/orm-config';
import type { RawDb } from '../../src/tools/raw-db';
import { describeEachDialect } from '../helpers/orm';
import { appliedMigrations, foreignKeyProblems, rawFor, realMigrations, schemaFingerprint, seededState } from './db-state';
import { SMALL_SEED, seed } from './seed';

/** Changes schema and data through execute() (immediately), then throws from JavaScript. */
class InjectedThrowHalfway extends Migration {
  override async up(): Promise<void> {
    await this.execute('create table "injected_probe" ("id" integer primary key)');
    await this.execute('alter table "contracts" add column "injected" text null');
    await this.execute(`update "contracts" set "title" = 'overwritten'`);
    await this.execute('delete from "push_subscriptions"');
    await this.execute('delete from "roles"'); // cascades to role_permissions and role_assignments
    throw new Error('injected failure halfway through');
  }
}

/** Queues statements with addSql(); the third one is rejected by the database (NOT NULL). */
class InjectedSqlError extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "roles" add column "injected" integer null');
    this.addSql('delete from "role_permissions"');
    this.addSql('insert into "users" ("id") values (null)');
    this.addSql('delete from "contracts"');
  }
}

class InjectedGood extends Migration {
  override async up(): Promise<void> {
    this.addSql('create table "injected_good" ("id" integer primary key)');
  }
}

describeEachDialect(
  'migration rules',
  (db) => {
    let raw: RawDb;

    before(async function () {
      this.timeout(60_000);
      // snapshot: false: tests must never rewrite the committed schema snapshot.
      const migrations = { ...createConfig(db.env).migrations, snapshot: false, silent: true };
      await (await db.openAnother({ migrations })).migrator.up();
      raw = await rawFor(db.env);
      await seed(raw, SMALL_SEED);
    });

    after(async () => {
      await raw?.close();
    });

    async function snapshot() {
      return {
        schema: await schemaFingerprint(raw),
        data: await seededState(raw),
        applied: await appliedMigrations(raw),
      };
    }

    /** A second ORM on the same database whose Migrator sees the real migrations plus `extra`. */
    async function migratorWith(extra: MigrationObject[]) {
      const migrations = { ...createConfig(db.env).migrations, migrationsList: [...realMigrations(db.dialect), ...extra], silent: true, snapshot: false };
      const orm = await db.openAnother({ migrations });
      return orm.migrator;
    }

    it('configures every migration to run in a transaction, all pending ones in one', async () => {
      const options = db.orm.config.get('migrations');
      expect(options.transactional).to.equal(true);
      expect(options.allOrNothing).to.equal(true);
      expect(options.disableForeignKeys).to.equal(false);
      for (const { name, class: Cls } of realMigrations(db.dialect)) {
        const instance = new Cls(db.orm.em.getDriver(), db.orm.config) as unknown as Migration;
        expect(instance.isTransactional(), name).to.equal(true);
      }
    });

    for (const [label, Cls] of [
      ['throws from code after changing schema and data', InjectedThrowHalfway],
      ['fails on a rejected SQL statement halfway', InjectedSqlError],
    ] as const) {
      it(`a migration that ${label} changes nothing and is not recorded`, async () => {
        const before = await snapshot();
        expect(before.data.find((t) => t.table === 'contracts')!.rows).to.equal(SMALL_SEED.contracts);
        const migrator = await migratorWith([{ name: `Migration29990101000000_${Cls.name}`, class: Cls }]);
        let failure: unknown;
        await migrator.up().catch((e) => (failure = e));
        expect(failure, 'the injected migration must fail').to.be.instanceOf(Error);
        expect(await snapshot()).to.deep.equal(before);
        expect((await migrator.getPendingMigrations()).map((m) => m.name)).to.deep.equal([`Migration29990101000000_${Cls.name}`]);
        expect(await foreignKeyProblems(raw)).to.deep.equal([]);
      });
    }

    it('all or nothing: a good migration queued before a failing one is rolled back too', async () => {
      const before = await snapshot();
      const migrator = await migratorWith([
        { name: 'Migration29990101000000_InjectedGood', class: InjectedGood },
        { name: 'Migration29990101000001_InjectedSqlError', class: InjectedSqlError },
      ]);
      let failure: unknown;
      await migrator.up().catch((e) => (failure = e));
      expect(failure).to.be.instanceOf(Error);
      expect(await raw.tableExists('injected_good')).to.equal(false);
      expect(await snapshot()).to.deep.equal(before);
    });

    it('re-running up is a no-op', async () => {
      const before = await snapshot();
      expect(before.applied).to.have.length(realMigrations(db.dialect).length);
      expect(await db.orm.migrator.up()).to.deep.equal([]);
      expect(await db.orm.migrator.getPendingMigrations()).to.deep.equal([]);
      expect(await snapshot()).to.deep.equal(before);
    });
  },
  { migrate: false, clearBeforeEach: false, sqliteFile: true },
);
