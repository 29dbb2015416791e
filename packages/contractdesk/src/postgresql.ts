/**
 * `contractdesk/postgresql`: ContractDesk's PostgreSQL driver (bound planned updates, replica fallback), for a host
 * that wants it; MikroORM's stock `PostgreSqlDriver` keeps every guarantee too. An entry of its own, so that SQLite
 * hosts never load `@mikro-orm/postgresql` or pg.
 */
export { ContractDeskPostgreSqlDriver } from './db/pg-driver';
