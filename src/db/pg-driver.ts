import type { Configuration } from '@mikro-orm/core';
import { AbstractSqlDriver } from '@mikro-orm/knex';
import { PostgreSqlConnection, PostgreSqlPlatform } from '@mikro-orm/postgresql';
import { type RawDialect, withLeanTransactions } from './lean-transaction';

interface RawPg {
  query(sql: string): Promise<unknown>;
  __knex__disposed?: unknown;
}

/** Lean transactions (db/lean-transaction.ts) on node-postgres. */
const pgRawDialect: RawDialect = {
  async begin(conn: RawPg, options, _client, platform) {
    // The platform's own BEGIN (isolation level and read-only folded in), as MikroORM logs it.
    for (const statement of platform.getBeginTransactionSQL(options)) await conn.query(statement);
  },
  run(conn: RawPg, sql) {
    return conn.query(sql);
  },
  discard(conn: RawPg, error) {
    // knex's pool validation drops connections marked like this instead of lending them again, so a
    // connection whose transaction could not be ended never serves another request.
    conn.__knex__disposed = error ?? new Error('transaction could not be ended');
  },
};

class ContractDeskPostgreSqlConnection extends withLeanTransactions(PostgreSqlConnection, pgRawDialect) {}

/** MikroORM's PostgreSQL driver with lean transactions. */
export class ContractDeskPostgreSqlDriver extends AbstractSqlDriver<ContractDeskPostgreSqlConnection, PostgreSqlPlatform> {
  constructor(config: Configuration) {
    super(config, new PostgreSqlPlatform(), ContractDeskPostgreSqlConnection, ['knex', 'pg']);
  }
}
