import type Database from 'better-sqlite3';
import type { PeerTarget } from '../../impl/types';

/** A connection with the same pragmas as the raw driver's and the app's (bench/impl/raw-sqlite.ts). */
export function openSqlite(target: Extract<PeerTarget, { dialect: 'sqlite' }>): Database.Database {
  const db = new target.betterSqlite3(target.path);
  configure(db, target.busyTimeoutMs);
  return db;
}

export function configure(db: Database.Database, busyTimeoutMs: number): void {
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
}

/** Rows per multi-row INSERT: 10 columns × 1,000 stays under SQLite's 32,766 and PostgreSQL's 65,535 parameters. */
export const INSERT_CHUNK = 1000;

export function chunks<T>(items: T[], size = INSERT_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
