import type { Configuration, Platform } from '@mikro-orm/core';
import { ConfigError } from '../errors/domain-error';

/**
 * Our drivers' own statement paths (the planned update and insert, the lean reads) name tables without a schema,
 * as MikroORM does for the default one. A configured `schema` other than the default would be honoured by
 * MikroORM's own statements and silently ignored by ours, so one flush could write to two schemas: it is refused
 * when the driver is created, before any statement runs (CONFIG.UNSUPPORTED_SCHEMA). Put ContractDesk's tables
 * in the connection's default schema instead (PostgreSQL: the role's `search_path`).
 */
export function assertDefaultSchema(config: Configuration, platform: Platform): void {
  const schema = config.get('schema');
  if (schema === undefined || schema === null || schema === '' || schema === platform.getDefaultSchemaName()) return;
  throw UnsupportedSchemaError.configured();
}

export class UnsupportedSchemaError extends ConfigError {
  static configured(): UnsupportedSchemaError {
    return new UnsupportedSchemaError(
      'CONFIG.UNSUPPORTED_SCHEMA',
      'The MikroORM `schema` option must be unset or the default schema; set the database search_path instead',
    );
  }
}
