import type { Configuration, ConnectionType } from '@mikro-orm/core';
import { AbstractSqlDriver } from '@mikro-orm/knex';
import { PostgreSqlConnection, PostgreSqlPlatform } from '@mikro-orm/postgresql';
import { type RawDialect, withLeanTransactions } from './lean-transaction';
import { pickReadConnection, registerReplicas, withReplicaFallback } from './replicas';

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

class ContractDeskPostgreSqlConnection extends withLeanTransactions(PostgreSqlConnection, pgRawDialect) {
  // A read routed to an unreachable replica runs again on the primary (db/replicas.ts).
  override execute(...args: Parameters<PostgreSqlConnection['execute']>): never {
    const run = (c: object) => (c === this ? super.execute(...args) : (c as PostgreSqlConnection).execute(...args));
    return withReplicaFallback(this, run as never) as never;
  }
}

/** MikroORM's PostgreSQL driver with lean transactions. */
export class ContractDeskPostgreSqlDriver extends AbstractSqlDriver<ContractDeskPostgreSqlConnection, PostgreSqlPlatform> {
  constructor(config: Configuration) {
    super(config, new PostgreSqlPlatform(), ContractDeskPostgreSqlConnection, ['knex', 'pg']);
  }

  // Replicas: skip one that is down instead of MikroORM's blind random pick (db/replicas.ts).
  override getConnection(type: ConnectionType = 'write'): ContractDeskPostgreSqlConnection {
    if (type === 'write' || this.replicas.length === 0) return this.connection;
    return pickReadConnection(this.connection, this.replicas) as ContractDeskPostgreSqlConnection;
  }

  override async connect(): Promise<ContractDeskPostgreSqlConnection> {
    const connection = await super.connect();
    registerReplicas(this.connection, this.replicas);
    return connection;
  }
}
