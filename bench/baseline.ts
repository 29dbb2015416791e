import type { Options } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { KnexTransactionsSqliteDriver } from './knex-transactions-sqlite-driver';
import { resolveBackend } from 'contractdesk';

/**
 * ORM options for the "plain MikroORM" variant: MikroORM's stock transaction machinery (knex transaction
 * objects and query runner) instead of our lean transactions, so the baseline is what an app gets out of
 * the box. PostgreSQL: MikroORM's own driver. SQLite: the same pragmas and BEGIN IMMEDIATE as the
 * services (database settings every variant shares; MikroORM's DEFERRED default would make W5's
 * 4 processes fail with SQLITE_BUSY instead of racing).
 */
export function plainOrmOptions(env: Record<string, string>): Partial<Options> {
  // The same backend choice as the app's config, so plain and services always run on the same database kind.
  return { driver: resolveBackend(env).kind === 'postgresql' ? PostgreSqlDriver : KnexTransactionsSqliteDriver } as Partial<Options>;
}
