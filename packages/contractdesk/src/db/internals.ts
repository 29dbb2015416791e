import { createRequire } from 'node:module';
import {
  type Configuration,
  type Connection,
  type ConnectionType,
  type EntityManager,
  type IDatabaseDriver,
  type LogContext,
  type MigrationsOptions,
  Utils,
} from '@mikro-orm/core';
import { type AbstractSqlConnection, BetterSqliteKnexDialect, type Knex } from '@mikro-orm/knex';
import { ConfigError } from '../errors/domain-error';

/**
 * The one module that leans on MikroORM's and knex's unexported behaviour. Each item here has a public-API
 * reason it is needed and a canary in test/db/internals.spec.ts that fails loudly, naming it, when an upgrade
 * changes its shape. Versions are pinned exactly in package.json, and the ORM refuses to start on any other
 * (a fresh `npm install` that resolved a new patch would otherwise fail at run time, not at compile time).
 *
 * No other file reads or calls these members directly; they go through the functions and types below. What each
 * buys (the bench cell and percentage, or the guarantee it is needed for) is in bench/analysis.md, issue 22.
 * "Public" means declared public in MikroORM's .d.ts files, or documented by knex; knex's `Client` members are
 * typed in its .d.ts but not documented, so they count as internal here.
 *
 * MikroORM, members TypeScript declares protected (reached through the functions below):
 * - `Connection.config`, `.type`, `.options`, `.executeQuery()`, `.logQuery()`, `AbstractSqlConnection
 *   .transformRawResult()` (db/lean-transaction.ts, db/sqlite-driver.ts, db/replicas.ts);
 * - `AbstractSqlConnection.client`, `.connected`, `.createKnexClient()`: useKnexDialect (db/sqlite-driver.ts);
 * - `DatabaseDriver.connection`, `.replicas` (db/pg-driver.ts, db/replicas.ts).
 * MikroORM, behaviour relied on:
 * - the Migrator reading its settings as `em.config.get('migrations')`: withMigrationsOptions (db/migrator.ts);
 * - a LeanTransaction standing in for a knex Transaction as MikroORM's transaction context: asKnexTransaction.
 * knex (through MikroORM's knex instance, `getKnex().client`):
 * - `Client.acquireConnection()`, `.releaseConnection()`, `.config.pool`, `.connectionSettings`,
 *   `.acquireRawConnection()` (db/lean-transaction.ts, db/sqlite-driver.ts);
 * - `Client.pool`, the tarn Pool whose counts the metrics report: knexPoolStats (observability/metrics.ts);
 * - the transaction-client convention (`transacting`, its own acquire/release): knexTransactionClient;
 * - the pool dropping connections marked `__knex__disposed`, which pg's 'end' listener sets (db/pg-driver.ts discard);
 * - the deep module `knex/lib/dialects/sqlite3/execution/sqlite-transaction`: knexSqliteTransactionClass.
 * Subclasses whose overrides are themselves the dependency (they stay where they are; canaries check the shape):
 * - db/sqlite-driver.ts ImmediateTransaction: overrides knex's SQLite `Transaction.begin(connection)` and reads
 *   `readOnly`, `trxClient`, `client` (typed by KnexSqliteTransaction);
 * - db/sqlite-driver.ts ContractDeskSqliteDialect (extends KnexBetterSqliteDialect): overrides knex's client
 *   `_driver()`, `transaction()` and `acquireRawConnection()`;
 * - db/sqlite-driver.ts PragmaSqliteConnection: overrides `createKnex()` with the stock body's two steps
 *   (useKnexDialect);
 * - db/sqlite-schema-helper.ts ContractDeskSqlitePlatform: overrides the protected `schemaHelper` property;
 * - db/sqlite-driver.ts and db/pg-driver.ts drivers: call AbstractSqlDriver's protected constructor (config, platform,
 *   connection class, connector), as MikroORM's own drivers do.
 * Wording relied on: errors/translate.ts and db/lean-transaction.ts recognise knex's acquire timeout
 * (`KnexTimeoutError`, "Knex: Timeout acquiring a connection") and "Transaction query already complete".
 */

/** The versions the whole suite ran against. Change them only together with package.json and a full test run. */
export const TESTED_VERSIONS = { '@mikro-orm/core': '6.6.16', knex: '3.2.10' } as const;

// knex is a dependency of @mikro-orm/knex, not ours: resolve it from there, the exact copy MikroORM uses.
const knexRequire = createRequire(require.resolve('@mikro-orm/knex'));

export function installedVersions(): Record<keyof typeof TESTED_VERSIONS, string> {
  return { '@mikro-orm/core': Utils.getORMVersion(), knex: (knexRequire('knex/package.json') as { version: string }).version };
}

/** Refuses to run on a MikroORM or knex the project was not tested with, naming it. */
export function assertTestedVersions(installed = installedVersions()): void {
  for (const [name, tested] of Object.entries(TESTED_VERSIONS) as Array<[keyof typeof TESTED_VERSIONS, string]>) {
    if (installed[name] !== tested) {
      throw new ConfigError(
        'CONFIG.UNSUPPORTED_ORM_VERSION',
        `${name} ${installed[name]} is installed, but ContractDesk was tested with ${tested} only; install the pinned version (npm ci)`,
      );
    }
  }
}

/**
 * knex's SQLite transaction class, from a deep `knex/lib/…` path (knex exports no way to change how a
 * transaction begins). Only knex-run transactions use it: the benchmark's "plain MikroORM" baseline, and a
 * knex transaction a caller passes in; ContractDesk's own transactions begin in db/lean-transaction.ts.
 */
export function knexSqliteTransactionClass(): KnexSqliteTransactionClass {
  return knexRequire('knex/lib/dialects/sqlite3/execution/sqlite-transaction') as KnexSqliteTransactionClass;
}

/** The part of knex's (untyped) SQLite transaction that db/sqlite-driver.ts's subclass uses. */
export interface KnexSqliteTransaction {
  /** knex's client that opened the transaction (its connectionSettings carry our pragmas). */
  readonly client: object;
  readonly readOnly?: boolean;
  /** Set while the transaction runs: sends one statement on its connection. */
  readonly trxClient: { query(connection: unknown, sql: string): Promise<unknown> };
  begin(connection: unknown): Promise<unknown>;
}

export interface KnexSqliteTransactionClass {
  new (...args: unknown[]): KnexSqliteTransaction;
  readonly prototype: KnexSqliteTransaction;
}

/**
 * The EntityManager as MikroORM's Migrator sees it, with `config.get('migrations')` answering `options`: the
 * Migrator reads its settings from the ORM's configuration (its constructor reads `em.config` once), and a host's
 * configuration describes the host's migrations. Only that one key differs; the driver, connection and every other
 * setting are the host's. Views made with Object.create keep every other property and method of `em`.
 */
export function withMigrationsOptions(em: EntityManager, options: MigrationsOptions): EntityManager {
  const config = Object.create(em.config, {
    get: { value: (key: string, fallback?: unknown) => (key === 'migrations' ? options : em.config.get(key as never, fallback as never)) },
  }) as EntityManager['config'];
  return Object.create(em, { config: { value: config } }) as EntityManager;
}

/** What the Migrator's constructor does with the EntityManager it gets (MikroORM 6.6.16's text). */
export const MIGRATOR_READS_CONFIG = ["this.config = this.em.config;", "this.options = this.config.get('migrations');"] as const;

// ---- MikroORM connections: protected members ----

/** The protected members of MikroORM's Connection / AbstractSqlConnection that ContractDesk uses. */
interface ConnectionProtected {
  readonly config: Configuration;
  readonly type: ConnectionType;
  readonly options: { name?: string };
  client: Knex;
  connected: boolean;
  createKnexClient(type: unknown): Knex;
  executeQuery<T>(query: string, cb: () => Promise<T>, context?: LogContext): Promise<T>;
  logQuery(query: string, context?: LogContext): void;
  transformRawResult<T>(res: unknown, method: 'all' | 'get' | 'run'): T;
}

function protectedOf(connection: object): ConnectionProtected {
  return connection as ConnectionProtected;
}

/** The ORM configuration a connection runs with (`onQuery`, the logger). */
export function connectionConfig(connection: Connection): Configuration {
  return protectedOf(connection).config;
}

/** 'read' for a replica (a SQLite file's reader), 'write' for the primary. */
export function connectionType(connection: Connection): ConnectionType {
  return protectedOf(connection).type;
}

/** The `name` a replica was configured with, as MikroORM's query log shows it. */
export function connectionName(connection: object): string | undefined {
  return protectedOf(connection).options?.name;
}

/** MikroORM's query-logging wrapper: times `cb`, logs `query` with `context`, converts driver errors. */
export function connectionExecuteQuery<T>(connection: Connection, query: string, cb: () => Promise<T>, context?: LogContext): Promise<T> {
  return protectedOf(connection).executeQuery(query, cb, context);
}

/** Logs one statement as MikroORM logs those it sends. */
export function connectionLogQuery(connection: Connection, query: string, context?: LogContext): void {
  protectedOf(connection).logQuery(query, context);
}

/** The driver's raw result in the shape MikroORM returns from `execute(…, method)`. */
export function connectionTransformRawResult<T>(connection: AbstractSqlConnection, res: unknown, method: 'all' | 'get' | 'run'): T {
  return protectedOf(connection).transformRawResult<T>(res, method);
}

/**
 * The stock SQL connections' `createKnex()` with another knex client class: MikroORM builds its knex instance
 * (`createKnexClient`, which takes a dialect class where its signature names a client by string) and marks the
 * connection connected, as BetterSqliteConnection.createKnex does with BetterSqliteKnexDialect.
 */
export function useKnexDialect(connection: AbstractSqlConnection, dialect: abstract new (...args: never[]) => unknown): void {
  const internals = protectedOf(connection);
  internals.client = internals.createKnexClient(dialect);
  internals.connected = true;
}

/** BetterSqliteConnection.createKnex's two steps, as useKnexDialect repeats them. */
export const CREATE_KNEX_STEPS = ['this.client = this.createKnexClient(', 'this.connected = true'] as const;

// ---- MikroORM drivers: protected members ----

interface DriverProtected<C> {
  readonly connection: C;
  readonly replicas?: C[];
}

const NO_REPLICAS: readonly never[] = Object.freeze([]);

function driverProtected<C extends Connection>(driver: IDatabaseDriver<C>): DriverProtected<C> {
  return driver as unknown as DriverProtected<C>;
}

/** The driver's primary (write) connection, whatever getConnection() answers. */
export function driverPrimaryConnection<C extends Connection>(driver: IDatabaseDriver<C>): C {
  return driverProtected(driver).connection;
}

/** The driver's replica connections (empty without `replicas`). */
export function driverReplicaConnections<C extends Connection>(driver: IDatabaseDriver<C>): readonly C[] {
  return driverProtected(driver).replicas ?? NO_REPLICAS;
}

// ---- knex's client (MikroORM's `getKnex().client`): undocumented members ----

declare const knexClientBrand: unique symbol;
/** knex's client of one connection's knex instance; opaque outside this module (its members are knex's internals). */
export interface KnexClient {
  readonly [knexClientBrand]: true;
}

/** The members of knex's Client that ContractDesk uses (knex types them on `Knex.Client`, but does not document them). */
interface KnexClientInternals {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
  acquireRawConnection(): Promise<unknown>;
  transacting?: boolean;
  readonly config?: { pool?: { acquireTimeoutMillis?: number } };
  readonly connectionSettings?: object;
  readonly pool?: TarnPool;
}

/** tarn's Pool: these members are tarn's documented API; knex's `client.pool` holding one is knex's internal. */
interface TarnPool {
  readonly max: number;
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

/** A moment's view of one connection's pool, for metrics. */
export interface PoolStats {
  /** Open connections, borrowed or idle. */
  size: number;
  inUse: number;
  /** Callers waiting to borrow a connection. */
  waiting: number;
  max: number;
}

function clientInternals(client: KnexClient | object): KnexClientInternals {
  return client as unknown as KnexClientInternals;
}

/** The client of a MikroORM SQL connection's knex instance (knex types `client` as `any`). */
export function knexClientOf(connection: AbstractSqlConnection): KnexClient {
  return connection.getKnex().client as KnexClient;
}

/** The client a knex transaction passed in as a transaction context runs on, if it is one. */
export function knexClientOfTransaction(ctx: unknown): KnexClient | undefined {
  return (ctx as { client?: KnexClient } | undefined)?.client;
}

/** Borrows a connection from knex's pool (its acquire timeout applies), as knex's runner does per query. */
export function knexAcquireConnection(client: KnexClient): Promise<unknown> {
  return clientInternals(client).acquireConnection();
}

/** Gives a borrowed connection back to knex's pool. */
export function knexReleaseConnection(client: KnexClient, connection: unknown): Promise<unknown> {
  return clientInternals(client).releaseConnection(connection);
}

/** Opens a new raw driver connection with the client's settings, outside its pool (the caller closes it). */
export function knexAcquireRawConnection(client: KnexClient | object): Promise<unknown> {
  return clientInternals(client).acquireRawConnection();
}

/** The pool's acquire timeout (knex's default 60 s when unset). */
export function knexAcquireTimeoutMs(client: KnexClient): number {
  return clientInternals(client).config?.pool?.acquireTimeoutMillis ?? 60_000;
}

/**
 * The pool knex runs the client's queries through (tarn), or undefined before the first connection or for a client
 * without one. knex documents the `pool` settings but not `client.pool`; tarn documents the counting methods.
 */
export function knexPoolStats(client: KnexClient): PoolStats | undefined {
  const pool = clientInternals(client).pool;
  if (!pool) return undefined;
  const inUse = pool.numUsed();
  return { size: inUse + pool.numFree(), inUse, waiting: pool.numPendingAcquires(), max: pool.max };
}

/** The `connection` settings the client was configured with (MikroORM's `driverOptions.connection` merged in). */
export function knexConnectionSettings<S extends object>(client: KnexClient | object): Partial<S> | undefined {
  return clientInternals(client).connectionSettings as Partial<S> | undefined;
}

function releaseNothing(): Promise<void> {
  return Promise.resolve();
}

/**
 * knex's transaction client, reduced to what runs a query on one held connection: `transacting` makes knex's
 * `transacting(trx)` adopt it, and its runner acquires (`acquire`, never the pool) and releases (a no-op) through it.
 */
export function knexTransactionClient(base: KnexClient, acquire: () => Promise<unknown>): KnexClient {
  return Object.create(base, {
    transacting: { value: true },
    acquireConnection: { value: acquire },
    releaseConnection: { value: releaseNothing },
  }) as KnexClient;
}

/**
 * MikroORM declares a transaction context as knex's Transaction and hands it back only to the connection and to
 * knex's `transacting()`, which reads its `client`: an object carrying a knexTransactionClient stands in for one.
 */
export function asKnexTransaction(trx: { readonly client: KnexClient }): Knex.Transaction {
  return trx as unknown as Knex.Transaction;
}

/** The part of knex's (untyped) better-sqlite3 client that db/sqlite-driver.ts's dialect subclass builds on. */
export interface KnexBetterSqliteDialectInstance {
  readonly connectionSettings: object;
  acquireRawConnection(): Promise<unknown>;
}

/** MikroORM's exported better-sqlite3 knex client, typed by what its subclass overrides and reads. */
export const KnexBetterSqliteDialect = BetterSqliteKnexDialect as unknown as new (...args: unknown[]) => KnexBetterSqliteDialectInstance;
