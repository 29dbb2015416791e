import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { ConfigError } from '../errors/domain-error';
import { isSqlite } from './dialect';

// PostgreSQL's "database does not exist" (invalid_catalog_name), raised while connecting.
const PG_INVALID_CATALOG = '3D000';

type Connectable = Pick<EntityManager, 'getConnection' | 'getPlatform' | 'config'>;

/**
 * Refuses to go on when PostgreSQL says the configured database does not exist. MikroORM would create it
 * (`ensureDatabase` at connect, and the migrator calls it before every run), so a mistyped name in
 * DATABASE_URL became a fresh, empty, migrated database. Creating a database is an explicit step
 * (`npm run db:create`, docs/operations.md). SQLite files are created on first open by design; not checked.
 */
export async function assertDatabaseExists(em: Connectable): Promise<void> {
  if (isSqlite(em)) return;
  try {
    await em.getConnection().execute('select 1');
  } catch (error) {
    if (errorCode(error) === PG_INVALID_CATALOG) {
      const name = String(em.config.get('dbName'));
      throw new ConfigError(
        'CONFIG.DATABASE_NOT_FOUND',
        `database "${name}" does not exist: check DATABASE_URL, or create it explicitly with \`npm run db:create\``,
      );
    }
    // Anything else (server down, auth) is not ours to classify here: the first real operation reports it.
  }
}

export async function assertOrmDatabaseExists(orm: MikroORM): Promise<void> {
  await assertDatabaseExists(orm.em);
}

function errorCode(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown; previous?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string') return e.code;
    e = (e.previous ?? e.cause) as typeof e;
  }
  return undefined;
}

