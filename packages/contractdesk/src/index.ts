import 'reflect-metadata';

export * from './entities';
export * from './services';
export * from './views';
export * from './errors/domain-error';
export { translateError } from './errors/translate';
export * from './domain/contract-status';
export * from './domain/party-role';
export * from './domain/push-endpoint';
export { grantCovers, anyGrantCovers } from './domain/permissions';
export * as validate from './domain/validation';
export { createConfig, initOrm, migrationPaths, type ContractDeskOrm, type Dialect, type InitOrmOptions } from './config/orm-config';
export { ormLogTo, debugNamespaces, DB_DEBUG_NAMESPACES, type OrmLogEntry, type OrmQueryEntry, type OrmLogSink } from './config/log-sink';
export { resolveBackend, describeBackend, redactUrl, configuredSqlitePath, type Backend, type Env } from './config/backend';
export {
  migrateContractDesk,
  contractDeskMigrationStatus,
  contractDeskMigrator,
  contractDeskMigrationsOptions,
  type MigrateContractDeskOptions,
  type ContractDeskMigrationStatus,
} from './guest/migrations';
export { assertContractDeskReady } from './guest/readiness';
export {
  CHANNELS,
  type TransactionEvent,
  type TransactionOutcome,
  type ConflictEvent,
  type RetryEvent,
  type DatabaseErrorEvent,
  type ReplicaFallbackEvent,
} from './observability/events';
