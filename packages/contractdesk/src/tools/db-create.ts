import { MikroORM, type Options } from '@mikro-orm/core';
import { type Env, redactUrl, resolveBackend } from '../config/backend';
import { createConfig } from '../config/orm-config';
import { ConfigError } from '../errors/domain-error';

export interface DbCreateResult {
  database: string;
  created: boolean;
}

/**
 * The explicit step that replaces MikroORM's silent `ensureDatabase`: creates the PostgreSQL database named by
 * DATABASE_URL when it is missing, connecting to the server's maintenance database (`postgres`, or
 * DB_MAINTENANCE_DATABASE). Idempotent. SQLite needs no step: the file is created on first open.
 */
export async function createDatabase(env: Env): Promise<DbCreateResult> {
  const backend = resolveBackend(env);
  if (backend.kind !== 'postgresql') {
    // DATABASE_URL may be set and still mean SQLite (sqlite:…, file:…): say which database this is.
    const where = backend.path === ':memory:' ? 'in memory' : backend.path;
    throw new ConfigError(
      'CONFIG.INVALID_VALUE',
      `db:create is for PostgreSQL (DATABASE_URL=postgres://…); this configuration selects SQLite (${where}), whose file is created when the app or db:migrate first opens it`,
    );
  }
  const database = decodeURIComponent(new URL(backend.url).pathname.slice(1));
  if (!database) throw new ConfigError('CONFIG.INVALID_VALUE', `DATABASE_URL names no database: ${redactUrl(backend.url)}`);
  const maintenance = env.DB_MAINTENANCE_DATABASE?.trim() || 'postgres';
  const orm = await MikroORM.init({ ...createConfig(env), dbName: maintenance, pool: { min: 0, max: 1 } } as Options);
  try {
    const connection = orm.em.getConnection();
    const existing = (await connection.execute('select 1 from pg_database where datname = ?', [database])) as unknown[];
    if (existing.length) return { database, created: false };
    await connection.execute(`create database ${orm.em.getPlatform().quoteIdentifier(database)}`);
    return { database, created: true };
  } finally {
    await orm.close(true);
  }
}
