import type { EntityManager, Transaction } from '@mikro-orm/core';
import type { AbstractSqlConnection, AbstractSqlPlatform } from '@mikro-orm/knex';
import type { MigrationStorage } from '@mikro-orm/migrations';
import { CONTRACTDESK_MIGRATIONS_TABLE } from '../entities';

/** Where ContractDesk recorded its migrations before it had a table of its own: MikroORM's default table. */
export const LEGACY_MIGRATIONS_TABLE = 'mikro_orm_migrations';

/**
 * Databases migrated before ContractDesk had its own bookkeeping table recorded its migrations in MikroORM's default
 * `mikro_orm_migrations`, possibly beside a host's. Before the first run on `contractdesk_migrations`, and only while
 * that table is empty, the rows naming one of ContractDesk's migrations move there (names and times kept) and leave
 * the old table; the old table is dropped only when nothing else was in it. Runs inside the caller's migration
 * transaction, so a failed run leaves both tables as they were.
 */
export async function adoptLegacyMigrationsTable(em: EntityManager, trx: Transaction, storage: MigrationStorage, known: readonly string[]): Promise<void> {
  const connection = em.getConnection() as AbstractSqlConnection;
  const platform = em.getPlatform() as AbstractSqlPlatform;
  const tables = await connection.execute<Array<{ table_name: string }>>(platform.getSchemaHelper()!.getListTablesSQL(), [], 'all', trx);
  if (!tables.some((t) => t.table_name === LEGACY_MIGRATIONS_TABLE) || known.length === 0) return;
  await storage.ensureTable();
  const q = (name: string) => platform.quoteIdentifier(name);
  const [{ n }] = await connection.execute<Array<{ n: number | string }>>(`select count(*) as n from ${q(CONTRACTDESK_MIGRATIONS_TABLE)}`, [], 'all', trx);
  if (Number(n) > 0) return;
  const legacy = await connection.execute<Array<{ name: string }>>(`select name from ${q(LEGACY_MIGRATIONS_TABLE)}`, [], 'all', trx);
  const ours = new Set(known);
  const moving = legacy.map((r) => r.name).filter((name) => ours.has(name.replace(/\.[jt]s$/, '')));
  if (moving.length === 0) return;
  const list = moving.map(() => '?').join(', ');
  await connection.execute(
    `insert into ${q(CONTRACTDESK_MIGRATIONS_TABLE)} (name, executed_at) select name, executed_at from ${q(LEGACY_MIGRATIONS_TABLE)} where name in (${list}) order by id`,
    moving,
    'run',
    trx,
  );
  if (moving.length === legacy.length) {
    await connection.execute(`drop table ${q(LEGACY_MIGRATIONS_TABLE)}`, [], 'run', trx);
  } else {
    await connection.execute(`delete from ${q(LEGACY_MIGRATIONS_TABLE)} where name in (${list})`, moving, 'run', trx);
  }
}
