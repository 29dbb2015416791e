import { createRequire } from 'node:module';
import type { Configuration } from '@mikro-orm/core';
import { BetterSqliteConnection } from '@mikro-orm/better-sqlite';
import { AbstractSqlDriver, BetterSqliteKnexDialect } from '@mikro-orm/knex';
import { ContractDeskSqlitePlatform } from './sqlite-schema-helper';

/** Per-connection SQLite settings, applied to every raw connection the pool opens. */
export interface SqlitePragmas {
  journalMode: 'WAL' | 'DELETE';
  synchronous: 'NORMAL' | 'FULL';
  busyTimeoutMs: number;
}

// knex is a dependency of @mikro-orm/knex, not ours: resolve its transaction class from there so we
// always extend the exact copy MikroORM uses.
const knexRequire = createRequire(require.resolve('@mikro-orm/knex'));
const SqliteTransaction: new (...args: any[]) => any = knexRequire('knex/lib/dialects/sqlite3/execution/sqlite-transaction');

/**
 * SQLite's plain BEGIN is DEFERRED: a transaction that reads and then writes must upgrade its lock
 * and gets SQLITE_BUSY at once (the busy handler is skipped where waiting could deadlock). Taking the
 * write lock up front with BEGIN IMMEDIATE makes a second writer wait for `busy_timeout` instead.
 * Read-only transactions (`readOnly: true`) stay DEFERRED so WAL readers never queue behind writers.
 */
class ImmediateTransaction extends SqliteTransaction {
  begin(conn: unknown): Promise<unknown> {
    // Not this.query(): it swallows a failed BEGIN (only marking the transaction finished), so a writer
    // whose busy_timeout ran out would get "Transaction query already complete" at its first statement
    // instead of SQLITE_BUSY. Rejecting here fails the transaction itself with the real error.
    return this.trxClient.query(conn, this.readOnly ? 'BEGIN DEFERRED;' : 'BEGIN IMMEDIATE;');
  }
}

class ContractDeskSqliteDialect extends (BetterSqliteKnexDialect as unknown as new (...args: any[]) => any) {
  transaction(...args: unknown[]): unknown {
    return new ImmediateTransaction(this, ...args);
  }

  async acquireRawConnection(): Promise<any> {
    const db = await super.acquireRawConnection();
    const pragmas: SqlitePragmas | undefined = this.connectionSettings.pragmas;
    // busy_timeout first: switching to WAL itself needs a lock another process may hold.
    db.pragma(`busy_timeout = ${pragmas?.busyTimeoutMs ?? 5000}`);
    if (this.connectionSettings.filename !== ':memory:') {
      db.pragma(`journal_mode = ${pragmas?.journalMode ?? 'WAL'}`);
    }
    db.pragma(`synchronous = ${pragmas?.synchronous ?? 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    return db;
  }
}

class ContractDeskSqliteConnection extends BetterSqliteConnection {
  override createKnex(): void {
    this.client = this.createKnexClient(ContractDeskSqliteDialect as any);
    this.connected = true;
  }
}

/** better-sqlite3 driver with per-connection pragmas and BEGIN IMMEDIATE write transactions. */
export class ContractDeskSqliteDriver extends AbstractSqlDriver<ContractDeskSqliteConnection, ContractDeskSqlitePlatform> {
  constructor(config: Configuration) {
    super(config, new ContractDeskSqlitePlatform(), ContractDeskSqliteConnection, ['knex', 'better-sqlite3']);
  }
}
