/**
 * `contractdesk/sqlite`: the driver a SQLite host configures its own ORM with (`driver: ContractDeskSqliteDriver`).
 * An entry of its own, so that PostgreSQL hosts never load `@mikro-orm/better-sqlite` or better-sqlite3.
 */
export { ContractDeskSqliteDriver, type SqlitePragmas } from './db/sqlite-driver';
