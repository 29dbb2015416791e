import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { MigrationObject } from '@mikro-orm/core';
import { createConfig } from '../../src/config/orm-config';
import type { RawDb } from '../../src/tools/raw-db';
import { describeEachDialect } from '../helpers/orm';
import { appliedMigrations, foreignKeyProblems, rawFor, realMigrations, seededState } from './db-state';
import { SMALL_SEED, seed } from './seed';

/** The migrations as released before the namespace, with the old table names (test/migrations/legacy/). */
function legacyMigrations(dialect: string): MigrationObject[] {
  const dir = join(__dirname, 'legacy', dialect);
  return readdirSync(dir)
    .filter((f) => /^Migration.*\.ts$/.test(f))
    .sort()
    .map((f) => {
      const name = f.replace(/\.ts$/, '');
      return { name, class: (require(join(dir, f)) as Record<string, MigrationObject['class']>)[name] };
    });
}

const HOST_MIGRATION = 'Migration20250101000000_HostThing';

/**
 * A database that an earlier version migrated (tables `users`, `contracts`…, bookkeeping in MikroORM's default
 * `mikro_orm_migrations`, possibly shared with a host) moves to the namespace on its next run: every row kept, its
 * history adopted by `contractdesk_migrations` (nothing re-run), the host's history left where it was.
 */
for (const withHostRow of [true, false]) {
  describeEachDialect(
    `legacy database → namespace (${withHostRow ? 'shared' : 'own'} mikro_orm_migrations)`,
    (db) => {
      let raw: RawDb;

      before(async function () {
        this.timeout(120_000);
        const legacy = await db.openAnother({
          migrations: { ...createConfig(db.env).migrations, tableName: 'mikro_orm_migrations', migrationsList: legacyMigrations(db.dialect), silent: true, snapshot: false },
        });
        await legacy.migrator.up();
        raw = await rawFor(db.directEnv);
        if (withHostRow) await raw.query(`insert into mikro_orm_migrations (name, executed_at) values ('${HOST_MIGRATION}', ${db.dialect === 'sqlite' ? 'datetime()' : 'now()'})`);
        await seed(raw, SMALL_SEED);
      });

      after(async () => {
        await raw?.close();
      });

      it('renames every table with its rows, adopts the history, leaves the host its own, and matches the entities', async function () {
        this.timeout(120_000);
        expect(await raw.tableExists('users'), 'built with the old names').to.equal(true);
        const before = await seededState(raw);
        expect(before.map((t) => t.rows)).to.deep.equal([40, 6, 30, 40, 300, 40]);

        const applied = await db.orm.migrator.up();
        // The namespace migration and whatever was released after it; none of the adopted ones.
        const released = realMigrations(db.dialect).map((m) => m.name);
        const newer = released.slice(released.indexOf('Migration20261206204545_Namespace'));
        expect(applied.map((m) => m.name), 'the adopted migrations are not run again').to.deep.equal(newer);

        for (const table of ['users', 'contracts', 'roles', 'role_permissions', 'role_assignments', 'push_subscriptions', 'admin_bootstrap']) {
          expect(await raw.tableExists(table), `${table} renamed`).to.equal(false);
          expect(await raw.tableExists(`contractdesk_${table}`), `contractdesk_${table}`).to.equal(true);
        }
        expect(await seededState(raw), 'rows and checksums').to.deep.equal(before);
        expect(await foreignKeyProblems(raw)).to.deep.equal([]);
        expect(await appliedMigrations(raw)).to.deep.equal([...legacyMigrations(db.dialect).map((m) => m.name), ...newer]);
        if (withHostRow) {
          const rows = await raw.query<{ name: string }>('select name from mikro_orm_migrations');
          expect(rows.map((r) => r.name)).to.deep.equal([HOST_MIGRATION]);
        } else {
          expect(await raw.tableExists('mikro_orm_migrations'), 'emptied, so dropped').to.equal(false);
        }
        // The database now is what the entities describe (what db:status calls drift), indexes and keys included.
        expect(await db.orm.migrator.checkMigrationNeeded()).to.equal(false);
      });
    },
    { migrate: false, clearBeforeEach: false, sqliteFile: true },
  );
}
