import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { MigrationObject } from '@mikro-orm/core';
import { resolveBackend } from '../../src/config/backend';
import { type Dialect, migrationPaths } from '../../src/config/orm-config';
import { TableChecksum, type TableSummary } from '../../src/tools/checksum';
import { type RawDb, openRaw } from '../../src/tools/raw-db';
import type { TableSpec } from '../../src/tools/table-specs';
import { SEED_ORDER, seedSpec } from './seed';

/** A second, raw connection to a test database (the ORM under test keeps its own). */
export function rawFor(env: Record<string, string>): Promise<RawDb> {
  return openRaw(resolveBackend(env), { mustExist: true });
}

/** Count + content checksum of every seeded table over the columns of the first migration. */
export async function seededState(db: RawDb): Promise<TableSummary[]> {
  const out: TableSummary[] = [];
  // Summaries carry the logical table name, so a state taken before the namespace migration equals one after it.
  for (const table of SEED_ORDER) out.push({ ...(await checksum(db, await seedSpec(db, table))), table });
  return out;
}

async function checksum(db: RawDb, spec: TableSpec): Promise<TableSummary> {
  const sum = new TableChecksum(spec);
  let after;
  for (;;) {
    const rows = await db.readBatch(spec, after, 5000);
    rows.forEach((row) => sum.add(row));
    if (rows.length < 5000) break;
    after = rows[rows.length - 1];
  }
  return { table: spec.name, rows: sum.rows, checksum: sum.digest() };
}

/** Everything that describes the schema, as text, so "exactly as before" is one deep-equal. */
export async function schemaFingerprint(db: RawDb): Promise<unknown> {
  if (db.dialect === 'sqlite') {
    return db.query("select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' order by type, name");
  }
  return {
    columns: await db.query(
      "select table_name, column_name, data_type, is_nullable, column_default from information_schema.columns where table_schema = 'public' order by 1, 2",
    ),
    constraints: await db.query(
      "select conrelid::regclass::text as tbl, conname, pg_get_constraintdef(oid) as def, convalidated from pg_constraint where connamespace = 'public'::regnamespace order by 1, 2",
    ),
    indexes: await db.query("select tablename, indexname, indexdef from pg_indexes where schemaname = 'public' order by 1, 2"),
  };
}

/**
 * Rows whose foreign keys point nowhere: `PRAGMA foreign_key_check` on SQLite; on PostgreSQL every FK
 * must be validated and an anti-join per FK must find no orphan.
 */
export async function foreignKeyProblems(db: RawDb): Promise<unknown[]> {
  if (db.dialect === 'sqlite') return db.query('pragma foreign_key_check');
  const fks = await db.query<{ child: string; parent: string; conname: string; convalidated: boolean; ccol: string; pcol: string }>(
    `select c.conrelid::regclass::text as child, c.confrelid::regclass::text as parent, c.conname, c.convalidated,
            (select attname from pg_attribute where attrelid = c.conrelid and attnum = c.conkey[1]) as ccol,
            (select attname from pg_attribute where attrelid = c.confrelid and attnum = c.confkey[1]) as pcol
       from pg_constraint c where c.contype = 'f' and c.connamespace = 'public'::regnamespace`,
  );
  const problems: unknown[] = [];
  for (const fk of fks) {
    if (!fk.convalidated) problems.push({ notValidated: fk.conname });
    const [row] = await db.query<{ n: string }>(
      `select count(*) as n from ${fk.child} c where c."${fk.ccol}" is not null and not exists (select 1 from ${fk.parent} p where p."${fk.pcol}" = c."${fk.ccol}")`,
    );
    if (Number(row.n) !== 0) problems.push({ orphans: fk.conname, count: Number(row.n) });
  }
  if (fks.length === 0) problems.push({ noForeignKeys: true });
  return problems;
}

export async function appliedMigrations(db: RawDb): Promise<string[]> {
  const rows = await db.query<{ name: string }>('select name from contractdesk_migrations order by id');
  return rows.map((r) => r.name);
}

/** The real migration classes of a dialect, in order, for a Migrator `migrationsList`. */
export function realMigrations(dialect: Dialect): MigrationObject[] {
  const dir = migrationPaths(dialect).pathTs;
  return readdirSync(dir)
    .filter((f) => /^Migration.*\.ts$/.test(f))
    .sort()
    .map((f) => {
      const mod = require(join(dir, f)) as Record<string, unknown>;
      const name = f.replace(/\.ts$/, '');
      return { name, class: mod[name] as MigrationObject['class'] };
    });
}
