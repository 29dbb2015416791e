import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Entity, MikroORM, PrimaryKey, Property, ReflectMetadataProvider } from '@mikro-orm/core';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import { Migration, Migrator } from '@mikro-orm/migrations';

/**
 * Upstream reproduction, in the style of MikroORM's own `GH####.test.ts` (to be filed; MikroORM 6.6.16):
 * after a `migration:up` that applied something, `Migrator.runMigrations` stores the live database's schema as the
 * migrations snapshot with `DatabaseSchema.create(…, takeTables = undefined, skipTables = undefined)`, so tables the
 * config lists in `schemaGenerator.skipTables` (another tool's, or a library's such as ContractDesk's) land in the
 * snapshot, and the next `migration:create` plans to drop them. The schema generator itself honours `skipTables`.
 * ContractDesk's docs tell hosts to set `migrations.snapshot: false` (docs/embedding.md). When this test fails,
 * upstream fixed it and that advice may go.
 */
@Entity()
class Gh {
  @PrimaryKey({ type: 'number' })
  id!: number;

  @Property({ type: 'string' })
  name!: string;
}

/** Any migration at all: what matters is that up() applied something. */
class Migration20260101000000_Anything extends Migration {
  override async up(): Promise<void> {
    this.addSql('select 1');
  }
}

describe('upstream: the snapshot written after migration:up ignores schemaGenerator.skipTables (MikroORM 6.6.16)', () => {
  let dir: string;
  let orm: MikroORM<BetterSqliteDriver>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'contractdesk-test-upstream-'));
    orm = await MikroORM.init({
      driver: BetterSqliteDriver,
      dbName: join(dir, 'gh.sqlite3'),
      entities: [Gh],
      metadataProvider: ReflectMetadataProvider,
      extensions: [Migrator],
      schemaGenerator: { skipTables: ['lib_table'] },
      migrations: {
        migrationsList: [{ name: 'Migration20260101000000_Anything', class: Migration20260101000000_Anything }],
        path: dir,
        snapshotName: '.snapshot-gh',
        silent: true,
        snapshot: true,
      },
    });
  });

  after(async () => {
    await orm.close(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a skipped table is left alone until an up() rewrites the snapshot; then migration:create drops it', async () => {
    await orm.schema.createSchema();
    await orm.em.getConnection().execute('create table lib_table (id integer primary key)');
    expect(await orm.migrator.checkMigrationNeeded(), 'skipTables honoured before up()').to.equal(false);

    await orm.migrator.up();

    // What a user expects: still nothing to do. What happens: the snapshot now holds lib_table.
    expect(await orm.migrator.checkMigrationNeeded()).to.equal(true);
    const { diff } = await orm.migrator.createMigration(join(dir, 'created'));
    expect(diff.up.join('\n')).to.match(/drop table if exists `lib_table`/);
  });
});
