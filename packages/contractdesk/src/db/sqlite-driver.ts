import type { Configuration, EntityDictionary, FilterQuery, NativeInsertUpdateManyOptions, NativeInsertUpdateOptions, QueryResult, UpsertOptions } from '@mikro-orm/core';
import { BetterSqliteConnection } from '@mikro-orm/better-sqlite';
import { AbstractSqlDriver } from '@mikro-orm/knex';
import { ContractDeskSqlitePlatform } from './sqlite-schema-helper';
import {
  KnexBetterSqliteDialect,
  type KnexClient,
  connectionType,
  knexAcquireRawConnection,
  knexClientOf,
  knexConnectionSettings,
  knexSqliteTransactionClass,
  useKnexDialect,
} from './internals';
import { LRUCache } from 'lru-cache';
import { assertDefaultSchema } from './schema-option';
import { loadBetterSqlite3 } from './better-sqlite3';
import { type RawDialect, withLeanTransactions } from './lean-transaction';
import { bindScalar } from './bound-params';
import { plannedInsertMany } from './planned-insert';
import { convertingErrors, plannedUpdate } from './planned-update';
import type { BeginsImmediate } from '../guest/readiness';

/** Per-connection SQLite settings, applied to every raw connection the pool opens. */
export interface SqlitePragmas {
  journalMode: 'WAL' | 'DELETE';
  synchronous: 'NORMAL' | 'FULL';
  busyTimeoutMs: number;
}

const SqliteTransaction = knexSqliteTransactionClass();

/**
 * SQLite's plain BEGIN is DEFERRED: a transaction that reads and then writes must upgrade its lock
 * and gets SQLITE_BUSY at once (the busy handler is skipped where waiting could deadlock). Taking the
 * write lock up front with BEGIN IMMEDIATE makes a second writer wait instead.
 *
 * The wait happens here, asynchronously, rather than in SQLite's busy handler: better-sqlite3 is
 * synchronous, so a busy handler would freeze the whole Node process (every request, every timer) for
 * up to busy_timeout while another process holds the lock. We try BEGIN IMMEDIATE without waiting and
 * retry after short jittered sleeps until busy_timeout has passed; then the caller gets SQLITE_BUSY,
 * which surfaces as the retryable DB.CONTENTION.
 * Read-only transactions (`readOnly: true`) stay DEFERRED so WAL readers never queue behind writers.
 */
class ImmediateTransaction extends SqliteTransaction {
  override async begin(conn: RawSqlite): Promise<void> {
    if (this.readOnly) {
      await this.trxClient.query(conn, 'BEGIN DEFERRED;');
      return;
    }
    await beginImmediate(conn, busyTimeoutOf(this.client));
  }
}

async function beginImmediate(conn: RawSqlite, busyTimeoutMs: number, statement = 'BEGIN IMMEDIATE'): Promise<void> {
  const deadline = Date.now() + busyTimeoutMs;
  // Prepared once per connection (pragma() and exec() would compile them again for every transaction).
  cachedStatement(conn, 'pragma busy_timeout = 0').get();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        cachedStatement(conn, statement).run();
        return;
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw error;
        const backoff = Math.min(25, 2 ** Math.min(attempt, 5));
        await sleep(1 + Math.random() * backoff);
      }
    }
  } finally {
    cachedStatement(conn, `pragma busy_timeout = ${busyTimeoutMs}`).get();
  }
}

/** What our dialect's clients are configured with (MikroORM's `driverOptions.connection`, src/config/orm-config.ts). */
interface SqliteConnectionSettings {
  filename: string;
  pragmas: SqlitePragmas;
}

function busyTimeoutOf(knexClient: KnexClient | object): number {
  return knexConnectionSettings<SqliteConnectionSettings>(knexClient)?.pragmas?.busyTimeoutMs ?? 5000;
}

/** Lean transactions (db/lean-transaction.ts) on better-sqlite3: the same BEGINs as ImmediateTransaction. */
const sqliteRawDialect: RawDialect = {
  exclusiveWriter: true,
  beginStatements(options) {
    return [options.readOnly ? 'begin deferred' : 'begin immediate'];
  },
  async begin(conn: RawSqlite, [statement], options, knexClient) {
    if (options.readOnly) conn.exec(statement);
    else await beginImmediate(conn, busyTimeoutOf(knexClient), statement);
  },
  async run(conn: RawSqlite, sql, params?: readonly unknown[]) {
    // What knex's better-sqlite3 client does with a raw query: rows for readers, the run result otherwise.
    // Bound statements repeat (one text per entity and column shape), so they are prepared once.
    const statement = params || TRANSACTION_CONTROL.test(sql) ? cachedStatement(conn, sql) : conn.prepare(sql);
    const values = params ?? [];
    return statement.reader ? statement.all(...values) : statement.run(...values);
  },
  bindValue(value) {
    // As BaseSqlitePlatform inlines them: a Date as epoch milliseconds, booleans as 1/0 (SQLite's true/false).
    return bindScalar(value, (v) => (v instanceof Date ? v.getTime() : typeof v === 'boolean' ? (v ? 1 : 0) : v));
  },
  async query(conn: RawSqlite, sql, params) {
    return cachedStatement(conn, sql).all(...params) as Record<string, unknown>[];
  },
  async discard() {
    // One file, one connection: nothing to replace it with. A failed ROLLBACK here means none was active.
  },
  unpooledReader(connection) {
    if (!(connection instanceof ContractDeskSqliteConnection) || !connection.isReader) return undefined;
    let reader = unpooledReaders.get(connection);
    if (!reader) {
      const opening = knexAcquireRawConnection(knexClientOf(connection)) as Promise<RawSqlite>;
      // A failed open is not kept: the next read tries again (and reports its own error).
      opening.catch(() => {
        if (unpooledReaders.get(connection) === opening) unpooledReaders.delete(connection);
      });
      unpooledReaders.set(connection, (reader = opening));
    }
    return reader;
  },
};

/**
 * The read connection of a SQLite file (config/orm-config.ts) never holds a transaction, and better-sqlite3 runs
 * each statement to completion synchronously, so one handle of its own serves every lean read with nothing to
 * lend or wait for. Borrowing from knex's pool instead (tarn: a pending operation, its timeout timer, promises)
 * cost 12% of the instructions of a whole `ContractService.get`. Opened by our knex dialect, so with the same
 * options and pragmas as the pool's connections; closed with the connection.
 */
const unpooledReaders = new WeakMap<object, Promise<RawSqlite>>();

async function closeUnpooledReader(connection: object): Promise<void> {
  const reader = unpooledReaders.get(connection);
  unpooledReaders.delete(connection);
  if (reader) (await reader.catch(() => undefined))?.close();
}

// COMMIT, ROLLBACK and savepoints carry no values and repeat for every transaction: cached like bound statements.
const TRANSACTION_CONTROL = /^(commit|rollback|savepoint|release)\b/i;

// Lean reads and bound writes run the same few statements over and over: prepare each once per connection.
// Bounded, because `in (?, ?, …)` lists make one text per length: past the limit the least recently used go
// (before, the whole cache started over, re-preparing the hot statements too).
export const STATEMENT_CACHE_LIMIT = 500;
const statementCache = new WeakMap<RawSqlite, LRUCache<string, ReturnType<RawSqlite['prepare']>>>();
function cachedStatement(conn: RawSqlite, sql: string): ReturnType<RawSqlite['prepare']> {
  let cache = statementCache.get(conn);
  if (!cache) statementCache.set(conn, (cache = new LRUCache<string, ReturnType<RawSqlite['prepare']>>({ max: STATEMENT_CACHE_LIMIT })));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = conn.prepare(sql)));
  return statement;
}

/** How many prepared statements a raw connection keeps (for the cache's test). */
export function cachedStatementCount(conn: object): number {
  return statementCache.get(conn as RawSqlite)?.size ?? 0;
}

interface RawSqlite {
  close(): unknown;
  pragma(source: string): unknown;
  exec(source: string): unknown;
  prepare(source: string): { reader: boolean; all(...params: unknown[]): unknown[]; get(...params: unknown[]): unknown; run(...params: unknown[]): unknown };
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// knex's client API, overridden (src/db/internals.ts lists these overrides; its canaries check their shape).
class ContractDeskSqliteDialect extends KnexBetterSqliteDialect {
  // knex's dialect would `require('better-sqlite3')`, the 11.x that MikroORM pins; on Node 24 it aborts (db/better-sqlite3.ts).
  _driver(): unknown {
    return loadBetterSqlite3();
  }

  transaction(...args: unknown[]): unknown {
    return new ImmediateTransaction(this, ...args);
  }

  override async acquireRawConnection(): Promise<RawSqlite> {
    const db = (await super.acquireRawConnection()) as RawSqlite;
    const settings = knexConnectionSettings<SqliteConnectionSettings>(this);
    const pragmas = settings?.pragmas;
    // busy_timeout first: switching to WAL itself needs a lock another process may hold.
    db.pragma(`busy_timeout = ${pragmas?.busyTimeoutMs ?? 5000}`);
    if (settings?.filename !== ':memory:') {
      db.pragma(`journal_mode = ${pragmas?.journalMode ?? 'WAL'}`);
    }
    db.pragma(`synchronous = ${pragmas?.synchronous ?? 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    return db;
  }
}

/** Our knex dialect (pragmas, BEGIN IMMEDIATE) under MikroORM's stock connection and knex's transactions. */
export class PragmaSqliteConnection extends BetterSqliteConnection {
  override createKnex(): void {
    useKnexDialect(this, ContractDeskSqliteDialect);
  }
}

class ContractDeskSqliteConnection extends withLeanTransactions(PragmaSqliteConnection, sqliteRawDialect) {
  /** MikroORM's read connection (a SQLite file's reader), as opposed to the writer. */
  get isReader(): boolean {
    return connectionType(this) === 'read';
  }

  // Opened with the connection, not on the first read: its pragmas may wait for a lock another process holds,
  // and better-sqlite3 waits synchronously (the whole process), which is tolerable at start-up only.
  override async connect(): Promise<void> {
    await super.connect();
    if (this.isReader) await sqliteRawDialect.unpooledReader?.(this);
  }

  override async close(force?: boolean): Promise<void> {
    await closeUnpooledReader(this);
    await super.close(force);
  }
}

/** better-sqlite3 driver with per-connection pragmas, BEGIN IMMEDIATE write transactions and lean transactions. */
export class ContractDeskSqliteDriver extends AbstractSqlDriver<ContractDeskSqliteConnection, ContractDeskSqlitePlatform> implements BeginsImmediate {
  /** Checked by guest/readiness.ts, which must not import this module. */
  readonly beginsWriteTransactionsImmediately = true as const;

  constructor(config: Configuration) {
    super(config, new ContractDeskSqlitePlatform(), ContractDeskSqliteConnection, ['knex', 'better-sqlite3']);
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
}
