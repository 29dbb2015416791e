import { type EntityMetadata, type EntityName, type EntityProperty, ReferenceKind, Utils } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { primaryBehind, withReplicaFallback } from './replicas';

type Em = EntityManager;

/**
 * A lean read: the SELECT is written once per entity and query shape, runs as a parameterized (SQLite:
 * prepared and cached) statement on the connection the EntityManager would use (the transaction's
 * inside a transaction, else one from the pool), and its rows become managed entities through `em.map`,
 * in the caller's fork (MikroORM's public hydration: what `find` builds). It skips MikroORM's per-call query building (QueryBuilder → knex → SQL text),
 * which costs more than the query itself on SQLite. The columns and conversions are MikroORM's own
 * (custom types' `convertToJSValueSQL`, `em.map` → hydrator), so entities come out the same as from `find`.
 *
 * `where` gets a function naming columns by property (`col('client')` → `"client_id"`) and uses `?`
 * placeholders; they become `$n` on PostgreSQL.
 */
export class LeanQuery<T extends object> {
  private readonly sql = new WeakMap<object, string>();

  constructor(
    private readonly entity: EntityName<T>,
    private readonly where: (col: (property: keyof T & string) => string) => string,
  ) {}

  /**
   * Entities join the operation's fork, snapshotted for change tracking, as `find` returns them. Operations that
   * only show what they read use read models instead (db/view-query.ts), which build no entity at all.
   */
  async find(em: Em, params: readonly unknown[], source: LeanSource = 'any'): Promise<T[]> {
    const rows = await runLean(em, this.sqlFor(em), params, source);
    return rows.map((row) => this.managed(em, row));
  }

  async findOne(em: Em, params: readonly unknown[], source: LeanSource = 'any'): Promise<T | null> {
    const rows = await runLean(em, this.sqlFor(em), params, source);
    return rows.length ? this.managed(em, rows[0]) : null;
  }

  /**
   * A row as `em.find` turns it into an entity: the driver's `mapResult`, then the entity factory with `merge`
   * (registered in the fork's identity map, its snapshot taken from the row). `em.map` would add `em.merge` on
   * top: type checks of values the row already has in their database types, a second snapshot built from the
   * entity, and a cascade over the references. That is 20–30 µs of client CPU per contract (a third of the
   * entity's construction), for an entity `find` would have built without it. `refresh: true` as `em.map`:
   * an entity already in the fork takes the row's values, as it did through `em.map`.
   */
  private managed(em: Em, row: Record<string, unknown>): T {
    const meta = em.getMetadata().get<T>(Utils.className(this.entity));
    const data = em.getDriver().mapResult(row as never, meta) ?? {};
    return em.getEntityFactory().create<T>(meta.className, data, { merge: true, refresh: true, convertCustomTypes: true, schema: em.schema });
  }

  private sqlFor(em: Em): string {
    const platform = em.getPlatform();
    let sql = this.sql.get(platform);
    if (!sql) {
      const meta = em.getMetadata().get<T>(Utils.className(this.entity));
      const q = (name: string) => platform.quoteIdentifier(name);
      const col = (property: string) => q(singleColumnProperty(meta, property, 'LeanQuery').fieldNames[0]);
      sql = `select ${selectList(meta, (c) => q(c), platform)} from ${q(meta.tableName)} where ${this.where(col as never)}`;
      this.sql.set(platform, sql);
    }
    return sql;
  }
}

/** The columns `find` would select: owning relations' FKs and scalars, with custom-type SQL conversions. */
function selectList<T>(meta: EntityMetadata<T>, q: (column: string) => string, platform: ReturnType<Em['getPlatform']>): string {
  const columns: string[] = [];
  for (const prop of meta.props) {
    if (prop.persist === false || prop.lazy || prop.formula || !prop.fieldNames?.length) continue;
    const owning =
      prop.kind === ReferenceKind.SCALAR || prop.kind === ReferenceKind.MANY_TO_ONE || (prop.kind === ReferenceKind.ONE_TO_ONE && prop.owner);
    if (!owning) continue;
    for (const field of prop.fieldNames) {
      const sql = prop.customType?.convertToJSValueSQL?.(q(field), platform);
      columns.push(sql ? `${sql} as ${q(field)}` : q(field));
    }
  }
  return columns.join(', ');
}

/**
 * `any` (default): outside a transaction, any read connection, a lagging PostgreSQL replica included.
 * `primary`: never a replica; for reads that decide about a caller (who the token's subject is), which
 * docs/operations.md promises never use replica data. A SQLite file's reader is not a replica (same file, the
 * latest commit), so it is still used there.
 */
export type LeanSource = 'any' | 'primary';

/** Our drivers' connections (db/lean-transaction.ts) run lean reads, logged like every other statement. */
interface LeanConnection {
  leanQuery(sql: string, params: readonly unknown[], ctx?: unknown): Promise<Record<string, unknown>[]>;
}

export function runLean(em: Em, sql: string, params: readonly unknown[], source: LeanSource): Promise<Record<string, unknown>[]> {
  // Inside a transaction: its connection. Outside: a read connection where the configuration has one (SQLite
  // files get their own reader, so reads never queue behind a writer waiting for the write lock; PostgreSQL
  // replicas, with a fallback to the primary when one is unreachable, db/replicas.ts).
  const trx = em.getTransactionContext<unknown>();
  if (trx) return query(em.getConnection('write'), sql, params, trx);
  const read = em.getConnection('read');
  if (source === 'primary') {
    // Ours: a PostgreSQL replica knows its primary; SQLite's reader is the same file, current as the writer.
    // A stock driver's read connection may be any replica: read from the write connection.
    const primary = isOurs(read) ? primaryBehind(read) : em.getConnection('write');
    if (primary) return query(primary, sql, params);
  }
  return withReplicaFallback(read, (c) => query(c, sql, params));
}

/**
 * On a connection of ours, the lean path; on any other (a host's stock PostgreSQL driver) MikroORM's public
 * `Connection.execute` with the same text and bound values (knex turns `?` into `$n`), which returns the same rows.
 */
function isOurs(connection: object): boolean {
  return typeof (connection as Partial<LeanConnection>).leanQuery === 'function';
}

function query(connection: object, sql: string, params: readonly unknown[], trx?: unknown): Promise<Record<string, unknown>[]> {
  if (isOurs(connection)) return (connection as LeanConnection).leanQuery(sql, params, trx);
  return (connection as ReturnType<Em['getConnection']>).execute<Record<string, unknown>[]>(sql, [...params], 'all', trx as never);
}

/** The property behind a column named in hand-written SQL: it must map to exactly one column (no composite key). */
export function singleColumnProperty<T>(meta: EntityMetadata<T>, property: string, caller: string): EntityProperty<T> {
  const prop = (meta.properties as Record<string, EntityProperty<T>>)[property];
  if (!prop?.fieldNames || prop.fieldNames.length !== 1) throw new Error(`${caller}: ${meta.className}.${property} is not a single column`);
  return prop;
}
