/**
 * `contractdesk/internal`: library members that ContractDesk's own server app (apps/server) and the benchmark
 * (bench/) use, but that are not part of the public API of `contractdesk` / `contractdesk/nest`. A host must not
 * import this entry point: it has no stability promise and changes with any release.
 */
export { replicaHealth, type ReplicaHealth } from './db/replicas';
export { hasCopyMarker } from './db/copy-marker';
export { assertOrmDatabaseExists } from './db/database-exists';
export { DatabaseStartupError, databaseStartupError, describeTarget } from './errors/database-startup';
export { LIMITS, PERMISSION_PATTERN, UUID_PATTERN } from './domain/validation';
export type { ContractGuard } from './services/contract.service';
export { CONTRACT_CURRENCIES } from './entities/contract.entity';
export { betterSqlite3Package, loadBetterSqlite3, openSqlite } from './db/better-sqlite3';
export { LeanQuery } from './db/lean-query';
export { PragmaSqliteConnection } from './db/sqlite-driver';
export { ContractDeskSqlitePlatform } from './db/sqlite-schema-helper';
