import type { Configuration } from '@mikro-orm/core';
import { AbstractSqlDriver } from '@mikro-orm/knex';
import { ContractDeskSqlitePlatform, PragmaSqliteConnection } from 'contractdesk/internal';

/**
 * The same database behaviour (pragmas, BEGIN IMMEDIATE) with knex's own transaction objects: what MikroORM
 * does out of the box. The benchmark's "plain MikroORM" baseline runs on it. (Moved here from the library's
 * src/db/sqlite-driver.ts: only the benchmark uses it.)
 */
export class KnexTransactionsSqliteDriver extends AbstractSqlDriver<PragmaSqliteConnection, ContractDeskSqlitePlatform> {
  constructor(config: Configuration) {
    super(config, new ContractDeskSqlitePlatform(), PragmaSqliteConnection, ['knex', 'better-sqlite3']);
  }
}
