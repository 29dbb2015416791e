import type { Configuration, ConnectionType, EntityDictionary, FilterQuery, NativeInsertUpdateManyOptions, NativeInsertUpdateOptions, QueryResult, UpsertOptions } from '@mikro-orm/core';
import { AbstractSqlDriver } from '@mikro-orm/knex';
import { LRUCache } from 'lru-cache';
import { PostgreSqlConnection, PostgreSqlPlatform } from '@mikro-orm/postgresql';
import { type RawDialect, withLeanTransactions } from './lean-transaction';
import { bindScalar } from './bound-params';
import { plannedInsertMany } from './planned-insert';
import { convertingErrors, plannedUpdate } from './planned-update';
import { assertDefaultSchema } from './schema-option';
import { pickReadConnection, registerReplicas, withReplicaFallback } from './replicas';
import { driverPrimaryConnection, driverReplicaConnections } from './internals';

interface RawPg {
  query(sql: string): Promise<unknown>;
  query(q: { text: string; values: unknown[] }): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}

/** Lean transactions (db/lean-transaction.ts) on node-postgres. */
const pgRawDialect: RawDialect = {
  exclusiveWriter: false,
  beginStatements(options, platform) {
    // The platform's own BEGIN (isolation level and read-only folded in), as MikroORM logs it.
    return platform.getBeginTransactionSQL(options);
  },
  async begin(conn: RawPg, statements) {
    for (const statement of statements) await conn.query(statement);
  },
  run(conn: RawPg, sql, params?: readonly unknown[]) {
    // Unnamed statements, as for reads below: pooler-safe.
    return params ? conn.query({ text: numbered(sql), values: params as unknown[] }) : conn.query(sql);
  },
  bindValue(value, platform) {
    // As PostgreSqlPlatform inlines them: a Date as its formatDate text (the configured time zone), an int64 as
    // decimal text, which PostgreSQL reads into the column's type exactly as it read the literal.
    return bindScalar(value, (v) => (v instanceof Date ? (platform as PostgreSqlPlatform).formatDate(v) : typeof v === 'bigint' ? v.toString() : v));
  },
  async query(conn: RawPg, sql, params) {
    // Unnamed statements: a named one lives on one server connection, which a transaction-pooling PgBouncer
    // does not keep for us, and its cached plan breaks after DDL that changes a result type (0A000).
    return (await conn.query({ text: numbered(sql), values: params as unknown[] })).rows;
  },
  async discard(conn: RawPg) {
    // A connection whose transaction could not be ended must never serve another request. Closing it through
    // node-postgres's public end() is enough: knex's own 'end' listener marks it, and the pool's validation then
    // drops it instead of lending it again (test/db/internals.spec.ts keeps an eye on that knex behaviour).
    await conn.end().catch(() => undefined);
  },
};

/**
 * How many rewritten statement texts are kept. Our own statements are a few dozen texts, but every bound SQL text
 * passes through here, and `in (?, ?, …)` lists or a host's ad-hoc queries make new ones without end: least
 * recently used texts are dropped past this (rewriting one again costs microseconds).
 */
export const NUMBERED_TEXT_CACHE_MAX = 1000;

// node-postgres wants numbered placeholders; each distinct text is rewritten once while it stays in use.
const numberedText = new LRUCache<string, string>({ max: NUMBERED_TEXT_CACHE_MAX });

/** `?` placeholders as `$1, $2, …` (exported for the cache's test). */
export function numbered(sql: string): string {
  let text = numberedText.get(sql);
  if (text === undefined) {
    let n = 0;
    numberedText.set(sql, (text = sql.replace(/\?/g, () => `$${++n}`)));
  }
  return text;
}

/** How many texts the cache holds now (for its test). */
export function numberedTextCacheSize(): number {
  return numberedText.size;
}

class ContractDeskPostgreSqlConnection extends withLeanTransactions(PostgreSqlConnection, pgRawDialect) {
  // A read routed to an unreachable replica runs again on the primary (db/replicas.ts).
  override execute(...args: Parameters<PostgreSqlConnection['execute']>): never {
    const run = (c: object) => (c === this ? super.execute(...args) : (c as PostgreSqlConnection).execute(...args));
    return withReplicaFallback(this, run as never) as never;
  }
}

/** MikroORM's PostgreSQL driver with lean transactions. */
export class ContractDeskPostgreSqlDriver extends AbstractSqlDriver<ContractDeskPostgreSqlConnection, PostgreSqlPlatform> {
  constructor(config: Configuration) {
    super(config, new PostgreSqlPlatform(), ContractDeskPostgreSqlConnection, ['knex', 'pg']);
    assertDefaultSchema(config, this.platform);
  }

  // The Unit of Work's single-row update without a QueryBuilder per call (db/planned-update.ts).
  override nativeUpdate<T extends object>(entityName: string, where: FilterQuery<T>, data: EntityDictionary<T>, options: NativeInsertUpdateOptions<T> & UpsertOptions<T> = {}): Promise<QueryResult<T>> {
    return plannedUpdate(this, convertingErrors(this), entityName, where, data, options) ?? super.nativeUpdate(entityName, where, data, options);
  }

  // The Unit of Work's batched INSERT, its text written once per entity, column shape and row count (db/planned-insert.ts).
  override nativeInsertMany<T extends object>(entityName: string, data: EntityDictionary<T>[], options: NativeInsertUpdateManyOptions<T> = {}, transform?: (sql: string) => string): Promise<QueryResult<T>> {
    return plannedInsertMany(this, convertingErrors(this), entityName, data, options, transform) ?? super.nativeInsertMany(entityName, data, options, transform);
  }

  // Replicas: skip one that is down instead of MikroORM's blind random pick (db/replicas.ts).
  override getConnection(type: ConnectionType = 'write'): ContractDeskPostgreSqlConnection {
    if (type === 'write') return driverPrimaryConnection(this);
    const replicas = driverReplicaConnections(this);
    if (replicas.length === 0) return driverPrimaryConnection(this);
    return pickReadConnection(driverPrimaryConnection(this), replicas) as ContractDeskPostgreSqlConnection;
  }

  override async connect(): Promise<ContractDeskPostgreSqlConnection> {
    const connection = await super.connect();
    registerReplicas(driverPrimaryConnection(this), driverReplicaConnections(this));
    return connection;
  }
}
