import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Options } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { type ContractDeskOrm, type Dialect, createConfig, initOrm } from '../../src/config/orm-config';
import { assertTestDatabase, createTestDatabase, databaseUrl, dropTestDatabase, postgresUnavailableReason } from './postgres';
import { type PgBouncer, pgbouncerBinary, sharedPgBouncer } from './pgbouncer';
import { recordSkippedPostgres } from './root-hooks';

/**
 * 'pgbouncer' is PostgreSQL reached through a real PgBouncer in transaction mode (test/helpers/pgbouncer.ts):
 * the database is created directly on PostgreSQL, the ORM and the app talk to the bouncer.
 */
export type TestVariant = Dialect | 'pgbouncer';

/** TEST_DIALECTS=sqlite,postgresql,pgbouncer picks variants; by default the bouncer variant runs under CI only. */
export const DIALECTS: readonly TestVariant[] =
  (process.env.TEST_DIALECTS?.split(',').map((v) => v.trim()) as TestVariant[] | undefined) ??
  (process.env.CI === 'true' ? ['sqlite', 'postgresql', 'pgbouncer'] : ['sqlite', 'postgresql']);

export interface TestDb {
  dialect: Dialect;
  variant: TestVariant;
  /** The environment that points the app (or a child process) at this database. */
  env: Record<string, string>;
  /** Like env, but straight to PostgreSQL even in the pgbouncer variant (DDL, inspection, admin work). */
  directEnv: Record<string, string>;
  orm: ContractDeskOrm;
  /** A fresh fork: one per test or per simulated request. */
  em(): EntityManager;
  /** Opens a second, independent ORM on the same database (another "app instance"). */
  openAnother(options?: Partial<Options>): Promise<ContractDeskOrm>;
}

export interface DbSuiteOptions {
  /** SQLite on a file (WAL) instead of ':memory:' — needed when several connections or processes share it. */
  sqliteFile?: boolean;
  /** Truncate all tables before each test (default true). */
  clearBeforeEach?: boolean;
  /** Run migrations after creating the database (default true). */
  migrate?: boolean;
  /**
   * Also run the suite through PgBouncer when the 'pgbouncer' variant is selected (default true). Suites that
   * need a direct session (TCP proxies, migration internals, process kills) set false.
   */
  pooler?: boolean;
}

const quiet = () => undefined;

/**
 * Declares the same suite once per dialect: "<title> [sqlite]" and "<title> [postgresql]".
 * One ORM per suite, schema from the migrations (never schema:update), tables cleared before each test.
 * Without a reachable PostgreSQL the PostgreSQL copy is skipped loudly; under CI=true it fails instead.
 */
export function describeEachDialect(title: string, body: (db: TestDb) => void, options: DbSuiteOptions = {}): void {
  for (const variant of DIALECTS) {
    if (variant === 'pgbouncer' && options.pooler === false) continue;
    const dialect: Dialect = variant === 'sqlite' ? 'sqlite' : 'postgresql';
    describe(`${title} [${variant}]`, function () {
      const state: { orm?: ContractDeskOrm; env?: Record<string, string>; directEnv?: Record<string, string>; cleanup?: () => Promise<void> } = {};
      const others: ContractDeskOrm[] = [];
      const db: TestDb = {
        dialect,
        variant,
        get env() {
          return state.env!;
        },
        get directEnv() {
          return state.directEnv ?? state.env!;
        },
        get orm() {
          if (!state.orm) throw new Error('ORM not initialised (suite setup failed or was skipped)');
          return state.orm;
        },
        em: () => db.orm.em.fork() as EntityManager,
        async openAnother(extra?: Partial<Options>) {
          const orm = await initOrm({ env: state.env!, options: extra, log: quiet });
          others.push(orm);
          return orm;
        },
      };

      before(async function () {
        this.timeout(120_000);
        if (dialect === 'postgresql') {
          const reason = await postgresUnavailableReason();
          if (reason) {
            if (process.env.CI === 'true') throw new Error(`PostgreSQL is required under CI=true but unreachable: ${reason}`);
            recordSkippedPostgres(title, reason);
            this.skip();
          }
          let bouncer: PgBouncer | undefined;
          if (variant === 'pgbouncer') {
            if (!pgbouncerBinary()) {
              const why = 'pgbouncer is not installed (apt-get install -y pgbouncer)';
              if (process.env.CI === 'true') throw new Error(`PgBouncer is required under CI=true: ${why}`);
              recordSkippedPostgres(title, why);
              this.skip();
            }
            bouncer = await sharedPgBouncer();
          }
          const name = await createTestDatabase(title);
          state.directEnv = { DATABASE_URL: databaseUrl(name), DB_POOL_MAX: '20' };
          state.env = bouncer ? { ...state.directEnv, DATABASE_URL: bouncer.url(name) } : state.directEnv;
          state.cleanup = () => dropTestDatabase(name);
        } else if (options.sqliteFile) {
          const dir = mkdtempSync(join(tmpdir(), 'contractdesk-test-'));
          state.env = { DB_PATH: join(dir, 'test.sqlite3') };
          state.cleanup = async () => rmSync(dir, { recursive: true, force: true });
        } else {
          state.env = { DB_PATH: ':memory:' };
        }
        // Migrator progress lines would drown the test report; failures still throw.
        const migrations = { ...createConfig(state.env).migrations, silent: true };
        state.orm = await initOrm({ env: state.env, log: quiet, options: { migrations } });
        if (options.migrate !== false) await state.orm.migrator.up();
      });

      if (options.clearBeforeEach !== false) {
        beforeEach(async function () {
          if (!state.orm) return;
          guardDestructive(state.env!);
          await state.orm.schema.clearDatabase();
        });
      }

      after(async function () {
        this.timeout(60_000);
        for (const other of others.splice(0)) await other.close(true).catch(() => undefined);
        await state.orm?.close(true);
        await state.cleanup?.();
      });

      body(db);
    });
  }
}

function guardDestructive(env: Record<string, string>): void {
  if (env.DATABASE_URL) assertTestDatabase(new URL(env.DATABASE_URL).pathname.slice(1));
  else if (env.DB_PATH !== ':memory:' && !env.DB_PATH.includes('contractdesk-test-')) {
    throw new Error(`Refusing to clear ${env.DB_PATH}: not a test database`);
  }
}
