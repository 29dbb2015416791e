import { AsyncLocalStorage } from 'node:async_hooks';
import { type AnyEntity, type EntityData, EventType, IsolationLevel, type LogContext, type LoggingOptions, type QueryResult, type TransactionEventBroadcaster } from '@mikro-orm/core';
import type { AbstractSqlConnection, AbstractSqlPlatform, Knex } from '@mikro-orm/knex';
import { TransactionUsageError, UnavailableError } from '../errors/domain-error';
import {
  type KnexClient,
  asKnexTransaction,
  connectionConfig,
  connectionExecuteQuery,
  connectionLogQuery,
  connectionTransformRawResult,
  knexAcquireConnection,
  knexAcquireTimeoutMs,
  knexClientOf,
  knexClientOfTransaction,
  knexReleaseConnection,
  knexTransactionClient,
} from './internals';
import { bindable } from './bound-params';

/**
 * What differs per database under a lean transaction: how it starts on a raw connection, and how one
 * statement runs there (returning what knex's raw query would, so MikroORM's `transformRawResult` applies).
 * Connections are the driver's raw ones, opaque here: each dialect declares the type it receives.
 */
export interface RawDialect {
  /**
   * The pool holds one connection that every transaction needs (SQLite's writer): a top-level transaction opened
   * while the same async flow already holds it can never start, so it is refused at once.
   */
  exclusiveWriter: boolean;
  /** The statements that open a top-level transaction with these options, exactly as they are sent and logged. */
  beginStatements(options: BeginOptions, platform: AbstractSqlPlatform): string[];
  /** Sends them (SQLite: retrying BEGIN IMMEDIATE while another connection holds the write lock). */
  begin(connection: unknown, statements: readonly string[], options: BeginOptions, knexClient: KnexClient): Promise<void>;
  /** One statement; with `params`, bound to its `?` placeholders (see db/bound-params.ts). */
  run(connection: unknown, sql: string, params?: readonly unknown[]): Promise<unknown>;
  /** A value as this driver binds it, storing what MikroORM's inlined literal stored; NOT_BINDABLE when unsure. */
  bindValue(value: unknown, platform: AbstractSqlPlatform): unknown;
  /** One parameterized read (`?` placeholders), rows as objects keyed by column. */
  query(connection: unknown, sql: string, params: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /**
   * A raw connection that lean reads outside any transaction may use without borrowing from `connection`'s pool,
   * or undefined (absent: always borrow). Only for a connection that never holds a transaction.
   */
  unpooledReader?(connection: AbstractSqlConnection): Promise<unknown> | undefined;
  /** Called when ROLLBACK itself failed: the connection must not go back to the pool as it is. */
  discard(connection: unknown, error: unknown): Promise<void>;
}

export interface BeginOptions {
  isolationLevel?: IsolationLevel;
  readOnly?: boolean;
}

export type { KnexClient } from './internals';

const ISOLATION_LEVELS = new Set<string>(Object.values(IsolationLevel));

/** Whether a transaction context (`em.getTransactionContext()`) was begun read-only. */
export function isReadOnlyTransaction(ctx: unknown): boolean {
  return ctx instanceof LeanTransaction && ctx.readOnly;
}

/** The exclusive-writer pools whose connection the current async flow holds in an open transaction. */
const openWriters = new AsyncLocalStorage<ReadonlyArray<{ client: KnexClient; open: boolean }>>();

function isAcquireTimeout(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'KnexTimeoutError';
}

/**
 * A transaction as MikroORM sees it (the `ctx` it passes to queries), without knex's transaction machinery.
 *
 * knex builds a whole knex instance, an event emitter and a promise chain per transaction, and sends BEGIN,
 * each statement and COMMIT through its query runner: an empty `em.transactional()` cost 625 µs of client
 * CPU on SQLite with it and 197 µs without, where a whole raw SQLite transition costs about 40 µs
 * (bench/analysis.md). This holds one pooled connection for the transaction's life and runs MikroORM's
 * statements on it directly — the same SQL text MikroORM would hand knex (values
 * inlined by `platform.formatQuery`), the same raw driver calls, the same result shapes.
 *
 * It stays usable wherever a knex transaction is expected: `client` is a transaction client (knex's
 * `transacting(ctx)` adopts it; its acquireConnection hands out this connection), so query builders, lean
 * reads and migrations that go through knex run inside the same transaction.
 */
export class LeanTransaction {
  /** knex checks `transacting(ctx)` arguments for own enumerable properties; `client` is one. */
  readonly client: KnexClient;
  /** Begun with `readOnly: true` (SQLite: DEFERRED; PostgreSQL: READ ONLY); savepoints inherit it. */
  readonly readOnly: boolean;
  private completed = false;

  constructor(
    base: KnexClient,
    /** The top-level transaction's connection; its savepoints share it. */
    readonly connection: unknown,
    readonly index = 0,
    readonly savepointName?: string,
    readonly parent?: LeanTransaction,
    readOnly = false,
  ) {
    // A transaction client that lends knex this transaction's connection, never one from the pool.
    this.client = parent ? parent.client : knexTransactionClient(base, () => this.heldConnection());
    this.readOnly = parent ? parent.readOnly : readOnly;
  }

  /** What knex gets when a query runs through `client`: refused once the transaction has finished. */
  private heldConnection(): Promise<unknown> {
    return this.isCompleted() ? Promise.reject(finishedTransaction()) : Promise.resolve(this.connection);
  }

  isCompleted(): boolean {
    return this.completed || (this.parent?.isCompleted() ?? false);
  }

  /** Marks the transaction done; a statement sent through it afterwards is refused, never run on a pooled connection. */
  complete(): void {
    this.completed = true;
  }

  assertOpen(): void {
    if (this.isCompleted()) throw finishedTransaction();
  }
}

/**
 * Using a transaction after its COMMIT or ROLLBACK is a programming error, not a lost connection (knex's
 * "Transaction query already complete" is classified as one, src/errors/translate.ts), so it gets its own
 * wording and surfaces as INTERNAL.
 */
function finishedTransaction(): Error {
  return new Error('Statement refused: its transaction has already finished');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeScript requires `any[]` for a mixin's base constructor
type Constructor<T> = abstract new (...args: any[]) => T;

/**
 * Gives a MikroORM SQL connection class lean transactions (see LeanTransaction). Everything outside a lean
 * transaction (schema tools, queries without a transaction, a knex transaction passed in from outside) still
 * goes through MikroORM's knex path.
 */
export function withLeanTransactions<T extends Constructor<AbstractSqlConnection>>(Base: T, dialect: RawDialect): T {
  abstract class LeanTransactionConnection extends Base {
    /**
     * `em.transactional()` and `@Transactional()` reach the connection here. Where the pool's one connection is
     * the writer every transaction needs (SQLite), a top-level transaction opened inside another one of the same
     * async flow would wait for its own caller until the acquire timeout: refuse it at once, naming the cause.
     */
    override async transactional<T>(cb: (trx: Knex.Transaction) => Promise<T>, options: Parameters<AbstractSqlConnection['transactional']>[1] = {}): Promise<T> {
      if (options.ctx || !dialect.exclusiveWriter) return super.transactional(cb, options);
      const client = this.knexClient();
      const held = openWriters.getStore() ?? [];
      if (held.some((mark) => mark.open && mark.client === client)) throw TransactionUsageError.nestedTopLevel();
      const mark = { client, open: true };
      try {
        return await openWriters.run([...held, mark], () => super.transactional(cb, options));
      } finally {
        // Work started inside and still running afterwards (not awaited) may open its own transaction then.
        mark.open = false;
      }
    }

    override async begin(options: Parameters<AbstractSqlConnection['begin']>[0] = {}): Promise<Knex.Transaction> {
      const parent = options.ctx as unknown;
      if (parent && !(parent instanceof LeanTransaction)) return super.begin(options);
      if (options.isolationLevel && !ISOLATION_LEVELS.has(options.isolationLevel)) {
        throw new Error(`Unsupported isolation level: ${String(options.isolationLevel)}`);
      }
      const platform = this.getPlatform() as AbstractSqlPlatform;
      if (parent instanceof LeanTransaction) {
        parent.assertOpen();
        const index = parent.index + 1;
        const name = `trx${index}`;
        await this.runLogged(parent, platform.getSavepointSQL(name), options.loggerContext);
        return asKnexTransaction(new LeanTransaction(this.knexClient(), parent.connection, index, name, parent));
      }
      await options.eventBroadcaster?.dispatchEvent(EventType.beforeTransactionStart);
      const statements = dialect.beginStatements(options, platform).map((sql) => this.hooked(sql));
      const client = this.knexClient();
      const connection = await knexAcquireConnection(client).catch((error: unknown) => {
        if (!dialect.exclusiveWriter || !isAcquireTimeout(error)) throw error;
        throw UnavailableError.writeConnectionTimeout(knexAcquireTimeoutMs(client), error);
      });
      try {
        await dialect.begin(connection, statements, options, client);
      } catch (error) {
        await knexReleaseConnection(client, connection);
        throw error;
      }
      for (const query of statements) connectionLogQuery(this, query, options.loggerContext);
      const trx = new LeanTransaction(client, connection, 0, undefined, undefined, options.readOnly === true);
      try {
        await options.eventBroadcaster?.dispatchEvent(EventType.afterTransactionStart, trx);
      } catch (error) {
        // Nobody holds the transaction yet to roll it back: end it here so the connection is not lost.
        await this.end(trx, true);
        throw error;
      }
      return asKnexTransaction(trx);
    }

    override async commit(ctx: unknown, eventBroadcaster?: TransactionEventBroadcaster, loggerContext?: LoggingOptions): Promise<void> {
      if (!(ctx instanceof LeanTransaction)) return super.commit(ctx as Knex.Transaction, eventBroadcaster, loggerContext);
      const platform = this.getPlatform() as AbstractSqlPlatform;
      if (ctx.savepointName) {
        await this.runLogged(ctx, platform.getReleaseSavepointSQL(ctx.savepointName), loggerContext);
        ctx.complete();
        return;
      }
      ctx.assertOpen();
      await eventBroadcaster?.dispatchEvent(EventType.beforeTransactionCommit, ctx);
      const commit = this.hooked(platform.getCommitTransactionSQL());
      try {
        await dialect.run(ctx.connection, commit);
      } catch (error) {
        // A failed COMMIT can leave the transaction open (SQLite); end it before the connection goes back.
        await this.end(ctx, true);
        throw error;
      }
      await this.end(ctx, false);
      connectionLogQuery(this, commit, loggerContext);
      await eventBroadcaster?.dispatchEvent(EventType.afterTransactionCommit, ctx);
    }

    override async rollback(ctx: unknown, eventBroadcaster?: TransactionEventBroadcaster, loggerContext?: LoggingOptions): Promise<void> {
      if (!(ctx instanceof LeanTransaction)) return super.rollback(ctx as Knex.Transaction, eventBroadcaster, loggerContext);
      const platform = this.getPlatform() as AbstractSqlPlatform;
      if (ctx.savepointName) {
        if (!ctx.isCompleted()) {
          ctx.complete();
          await this.runLogged(ctx.parent!, platform.getRollbackToSavepointSQL(ctx.savepointName), loggerContext);
        }
        return;
      }
      await eventBroadcaster?.dispatchEvent(EventType.beforeTransactionRollback, ctx);
      if (!ctx.isCompleted()) await this.end(ctx, true);
      connectionLogQuery(this, this.hooked(platform.getRollbackTransactionSQL()), loggerContext);
      await eventBroadcaster?.dispatchEvent(EventType.afterTransactionRollback, ctx);
    }

    override async execute<R extends QueryResult | EntityData<AnyEntity> | EntityData<AnyEntity>[] = EntityData<AnyEntity>[]>(
      queryOrKnex: string | Knex.QueryBuilder | Knex.Raw,
      params: unknown[] = [],
      method: 'all' | 'get' | 'run' = 'all',
      ctx?: unknown,
      loggerContext?: LoggingOptions,
    ): Promise<R> {
      if (!(ctx instanceof LeanTransaction) || typeof queryOrKnex !== 'string') {
        return super.execute<R>(queryOrKnex, params, method, ctx, loggerContext);
      }
      ctx.assertOpen();
      const query = connectionConfig(this).get('onQuery')(queryOrKnex, params);
      const context: LogContext = { query, params, ...loggerContext };
      const platform = this.getPlatform() as AbstractSqlPlatform;
      const bound = bindable(query, params, (value) => dialect.bindValue(value, platform));
      if (bound) {
        return connectionExecuteQuery(
          this,
          this.logText(query, undefined, loggerContext, params),
          async () => connectionTransformRawResult<R>(this, await dialect.run(ctx.connection, query, bound), method),
          context,
        );
      }
      // What MikroORM's own execute sends to knex: values inlined by the platform.
      const formatted = platform.formatQuery(query, params);
      return connectionExecuteQuery(
        this,
        this.logText(query, formatted, loggerContext),
        async () => connectionTransformRawResult<R>(this, await dialect.run(ctx.connection, formatted), method),
        context,
      );
    }

    /** ROLLBACK (when asked) and give the connection back, exactly once. */
    private async end(ctx: LeanTransaction, rollback: boolean): Promise<void> {
      ctx.complete();
      const client = this.knexClient();
      try {
        if (rollback) await dialect.run(ctx.connection, this.hooked((this.getPlatform() as AbstractSqlPlatform).getRollbackTransactionSQL()));
      } catch (error) {
        await dialect.discard(ctx.connection, error);
      } finally {
        await knexReleaseConnection(client, ctx.connection);
      }
    }

    private async runLogged(ctx: LeanTransaction, sql: string, loggerContext?: LoggingOptions): Promise<void> {
      ctx.assertOpen();
      const hooked = this.hooked(sql);
      await dialect.run(ctx.connection, hooked);
      connectionLogQuery(this, hooked, loggerContext);
    }

    /**
     * A lean read (src/db/lean-query.ts): one parameterized statement on the transaction's connection, or on
     * one this connection's pool lends exclusively (never inside someone else's open transaction). Like every
     * other statement it goes through the onQuery hook and the query log, so the read that decided a write
     * shows up where the write does.
     */
    async leanQuery(sql: string, params: readonly unknown[], ctx?: unknown, loggerContext?: LoggingOptions): Promise<Record<string, unknown>[]> {
      // onQuery's type asks for a mutable array; MikroORM's hook only reads it.
      const config = connectionConfig(this);
      const query = config.get('onQuery')(sql, params as unknown[]);
      const run = ctx instanceof LeanTransaction ? this.onTransaction(ctx, query, params) : this.onPooled(ctx, query, params);
      // Reads are the hot path: without query logging, skip the logging wrapper's timing and context objects.
      if (!config.getLogger().isEnabled('query', loggerContext)) return run();
      const context: LogContext = { query, params: params as unknown[], ...loggerContext };
      return connectionExecuteQuery(this, this.logText(query, undefined, loggerContext, params), run, context);
    }

    private onTransaction(ctx: LeanTransaction, query: string, params: readonly unknown[]): () => Promise<Record<string, unknown>[]> {
      return () => {
        ctx.assertOpen();
        return dialect.query(ctx.connection, query, params);
      };
    }

    /** A transaction from outside (a knex one passed as ctx) hands out its own connection; else the pool's. */
    private onPooled(ctx: unknown, query: string, params: readonly unknown[]): () => Promise<Record<string, unknown>[]> {
      const direct = ctx === undefined ? dialect.unpooledReader?.(this) : undefined;
      if (direct !== undefined) return async () => dialect.query(await direct, query, params);
      const client = knexClientOfTransaction(ctx) ?? this.knexClient();
      return async () => {
        const connection = await knexAcquireConnection(client);
        try {
          return await dialect.query(connection, query, params);
        } finally {
          await knexReleaseConnection(client, connection);
        }
      };
    }

    /** Transaction control goes through onQuery too, so a hook sees (and a log shows) the real BEGIN. */
    private hooked(sql: string): string {
      return connectionConfig(this).get('onQuery')(sql, []);
    }

    /** What the query log shows: values inlined only where the logger asks for them ('query-params'). */
    private logText(query: string, formatted: string | undefined, loggerContext?: LoggingOptions, params: readonly unknown[] = []): string {
      const logger = connectionConfig(this).getLogger();
      if (!logger.isEnabled('query', loggerContext) || !logger.isEnabled('query-params', loggerContext)) return query;
      return formatted ?? this.getPlatform().formatQuery(query, params);
    }

    private knexClient(): KnexClient {
      return knexClientOf(this);
    }
  }
  return LeanTransactionConnection as unknown as T;
}
