import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MikroORM, type Options, ReflectMetadataProvider } from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/knex';
import { assertTestedVersions } from '../db/internals';
import { assertOrmDatabaseExists } from '../db/database-exists';
import { ContractDeskMigrator } from '../db/migrator';
import type { ContractDeskPostgreSqlDriver } from '../db/pg-driver';
import { SQLITE_READER, SQLITE_WRITER } from '../db/replicas';
import { CONTRACTDESK_MIGRATIONS_TABLE, contractDeskEntities } from '../entities';
import type { ContractDeskSqliteDriver } from '../db/sqlite-driver';
import { type Backend, type Env, describeBackend, resolveBackend } from './backend';
import { migrationPaths } from './paths';
import { debugNamespaces } from './log-sink';

export { migrationPaths };

export type ContractDeskOrm = MikroORM<AbstractSqlDriver>;

export type { Dialect } from './paths';

export const PG_CONNECT_TIMEOUT_MS = 5_000;
export const PG_ACQUIRE_TIMEOUT_MS = 10_000;

/**
 * How ContractDesk's migrations run on any ORM, its own or a host's (guest/migrations.ts): recorded in their own
 * table, each in a transaction and all pending ones in one, foreign keys never switched off, nothing dropped.
 * The snapshot stays off: the committed one describes the entities, and only `npm run migration:create` moves it
 * (it turns this on). Left on, every up/down (app start, tests, CLI) rewrote it with the database's current schema:
 * after a down the next migration:create generated a bogus migration.
 */
export const CONTRACTDESK_MIGRATION_RULES = {
  tableName: CONTRACTDESK_MIGRATIONS_TABLE,
  transactional: true,
  allOrNothing: true,
  disableForeignKeys: false,
  dropTables: false,
  safe: true,
  snapshot: false,
} as const;

/**
 * env → MikroORM options. One path for the app, the CLI and the tests; `overrides` win.
 * Decisions that matter for correctness are made here once:
 * - `useBatchUpdates: false`: v6 batched updates check versions with a separate SELECT and then update
 *   by primary key only, so concurrent writers lose updates. One UPDATE per entity keeps
 *   `where id = ? and version = ?` and its affected-row check.
 * - SQLite write transactions start with BEGIN IMMEDIATE (see db/sqlite-driver.ts).
 * - Migrations are transactional, all-or-nothing, and never switch foreign keys off.
 * - A missing PostgreSQL database is never created (`ensureDatabase: false`, and a migrator that checks
 *   first): a mistyped DATABASE_URL stops with CONFIG.DATABASE_NOT_FOUND instead of serving an empty database.
 */
export function createConfig(env: Env = process.env, overrides: Partial<Options> = {}): Options {
  assertTestedVersions();
  const backend = resolveBackend(env);
  const paths = migrationPaths(backend.kind);
  const common: Options = {
    entities: [...contractDeskEntities],
    metadataProvider: ReflectMetadataProvider,
    discovery: { warnWhenNoEntities: true, requireEntitiesArray: true },
    extensions: [ContractDeskMigrator],
    ensureDatabase: false,
    useBatchUpdates: false,
    useBatchInserts: true,
    forceUtcTimezone: true,
    allowGlobalContext: false,
    debug: debugNamespaces(env.DB_DEBUG),
    migrations: {
      ...paths,
      // The TypeScript sources exist only in this repository. Installed, MikroORM would still prefer `pathTs` under
      // a host's ts-node, jest or vitest, find no folder there and apply nothing: compiled migrations only.
      pathTs: __filename.endsWith('.ts') ? paths.pathTs : undefined,
      ...CONTRACTDESK_MIGRATION_RULES,
      emit: 'ts',
    },
    schemaGenerator: { disableForeignKeys: false },
  };
  const driverOptions: Options =
    backend.kind === 'sqlite'
      ? sqliteOptions(backend)
      : {
          driver: postgresqlDriver(),
          clientUrl: backend.url,
          // A dead or hung server must fail fast as DB.UNAVAILABLE instead of hanging the caller:
          // connect gives up after 5 s, waiting for a free pool slot after 10 s (knex's default is 60 s).
          pool: { min: 0, max: backend.poolMax, acquireTimeoutMillis: PG_ACQUIRE_TIMEOUT_MS },
          driverOptions: { connection: { connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS, keepAlive: true } },
          // Reads outside a transaction go to a replica (MikroORM's preferReadReplicas); see db/replicas.ts.
          replicas: backend.replicaUrls.map((url, i) => ({ name: `replica${i + 1}`, clientUrl: url })),
        };
  return { ...common, ...driverOptions, ...overrides } as Options;
}

function sqliteOptions(backend: Extract<Backend, { kind: 'sqlite' }>): Options {
  if (backend.path !== ':memory:') mkdirSync(dirname(backend.path), { recursive: true });
  return {
    driver: sqliteDriver(),
    dbName: backend.path,
    // One write connection: better-sqlite3 is synchronous, and a single writer per process is what SQLite wants.
    // Waiting for it longer than the busy timeout means the queue is hopeless or the caller holds it itself
    // (a top-level transaction inside another): fail as DB.WRITE_CONNECTION_TIMEOUT instead of knex's 60 s.
    pool: { min: 1, max: 1, acquireTimeoutMillis: Math.max(2_000, backend.busyTimeoutMs) },
    // Reads outside a transaction get their own connection (MikroORM's read replica, here the same file): in WAL
    // they run while another process, or this one, holds the write lock, instead of queueing behind the writer.
    // ':memory:' is one database per connection, so it has none.
    replicas: backend.path === ':memory:' ? [] : [{ name: SQLITE_READER, dbName: backend.path }],
    // The query log names the connection of every statement once there are replicas; a file has no host to
    // name the writer by, so without this it reads "via write connection 'undefined'".
    name: SQLITE_WRITER,
    driverOptions: {
      connection: {
        pragmas: { journalMode: 'WAL', synchronous: backend.synchronous, busyTimeoutMs: backend.busyTimeoutMs },
      },
    },
  };
}

/*
 * The drivers are loaded when a backend is chosen, not with this module: a PostgreSQL deployment need not install
 * @mikro-orm/better-sqlite (a native build), nor a SQLite one @mikro-orm/postgresql.
 */
function sqliteDriver(): typeof ContractDeskSqliteDriver {
  return (require('../db/sqlite-driver') as typeof import('../db/sqlite-driver')).ContractDeskSqliteDriver;
}

function postgresqlDriver(): typeof ContractDeskPostgreSqlDriver {
  return (require('../db/pg-driver') as typeof import('../db/pg-driver')).ContractDeskPostgreSqlDriver;
}

export interface InitOrmOptions {
  env?: Env;
  options?: Partial<Options>;
  /** Where the one startup line naming the backend goes; defaults to stderr. */
  log?: (line: string) => void;
}

/** Creates a connected ORM from the environment; logs which backend is active (never a password). */
export async function initOrm(init: InitOrmOptions = {}): Promise<ContractDeskOrm> {
  const env = init.env ?? process.env;
  const backend = resolveBackend(env);
  (init.log ?? ((line) => process.stderr.write(`[contractdesk] ${line}\n`)))(describeBackend(backend));
  const orm = await MikroORM.init<AbstractSqlDriver>(createConfig(env, init.options) as Options<AbstractSqlDriver>);
  try {
    await assertOrmDatabaseExists(orm);
  } catch (error) {
    await orm.close(true).catch(() => undefined);
    throw error;
  }
  return orm;
}
