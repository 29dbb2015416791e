import { createRequire } from 'node:module';
import { type EntityMetadata, type EntityProperty, ReferenceKind, SCALAR_TYPES, Utils } from '@mikro-orm/core';
import { ConfigError } from '../errors/domain-error';

/**
 * The one module that leans on MikroORM's and knex's unexported behaviour. Each item here has a public-API
 * reason it is needed and a canary in test/db/internals.spec.ts that fails loudly, naming it, when an upgrade
 * changes its shape. Versions are pinned exactly in package.json, and the ORM refuses to start on any other
 * (a fresh `npm install` that resolved a new patch would otherwise fail at run time, not at compile time).
 */

/** The versions the whole suite ran against. Change them only together with package.json and a full test run. */
export const TESTED_VERSIONS = { '@mikro-orm/core': '6.6.16', knex: '3.2.10' } as const;

// knex is a dependency of @mikro-orm/knex, not ours: resolve it from there, the exact copy MikroORM uses.
const knexRequire = createRequire(require.resolve('@mikro-orm/knex'));

export function installedVersions(): Record<keyof typeof TESTED_VERSIONS, string> {
  return { '@mikro-orm/core': Utils.getORMVersion(), knex: (knexRequire('knex/package.json') as { version: string }).version };
}

/** Refuses to run on a MikroORM or knex the project was not tested with, naming it. */
export function assertTestedVersions(installed = installedVersions()): void {
  for (const [name, tested] of Object.entries(TESTED_VERSIONS) as Array<[keyof typeof TESTED_VERSIONS, string]>) {
    if (installed[name] !== tested) {
      throw new ConfigError(
        'CONFIG.UNSUPPORTED_ORM_VERSION',
        `${name} ${installed[name]} is installed, but ContractDesk was tested with ${tested} only; install the pinned version (npm ci)`,
      );
    }
  }
}

/**
 * knex's SQLite transaction class, from a deep `knex/lib/…` path (knex exports no way to change how a
 * transaction begins). Only knex-run transactions use it: the benchmark's "plain MikroORM" baseline, and a
 * knex transaction a caller passes in; ContractDesk's own transactions begin in db/lean-transaction.ts.
 */
export function knexSqliteTransactionClass(): KnexSqliteTransactionClass {
  return knexRequire('knex/lib/dialects/sqlite3/execution/sqlite-transaction') as KnexSqliteTransactionClass;
}

/** The part of knex's (untyped) SQLite transaction that db/sqlite-driver.ts's subclass uses. */
export interface KnexSqliteTransaction {
  /** knex's client that opened the transaction (its connectionSettings carry our pragmas). */
  readonly client: unknown;
  readonly readOnly?: boolean;
  /** Set while the transaction runs: sends one statement on its connection. */
  readonly trxClient: { query(connection: unknown, sql: string): Promise<unknown> };
  begin(connection: unknown): Promise<unknown>;
}

export interface KnexSqliteTransactionClass {
  new (...args: unknown[]): KnexSqliteTransaction;
  readonly prototype: KnexSqliteTransaction;
}

/**
 * The properties whose raw values `em.map` passes through the validator's type fixes (SQLite's epoch numbers →
 * Date, …). This is em.map's own condition, copied so the read-only lean reads hydrate the same values without
 * registering the entity (em.map always does).
 */
const typeFixed = new WeakMap<object, EntityProperty[]>();
export function typeFixedProps<T>(meta: EntityMetadata<T>): EntityProperty<T>[] {
  // Keyed by the metadata object itself, so what comes back is that entity's own properties.
  let props = typeFixed.get(meta) as EntityProperty<T>[] | undefined;
  if (!props) {
    props = meta.props.filter(
      (prop) => prop.kind === ReferenceKind.SCALAR && SCALAR_TYPES.includes(prop.runtimeType) && !prop.customType && (prop.setter || !prop.getter),
    );
    typeFixed.set(meta, props);
  }
  return props;
}

/**
 * The source text of that condition as MikroORM 6.6.16 writes it in `EntityManager.prototype.map`; the canary
 * checks it is still there, so a change to em.map cannot silently diverge from typeFixedProps.
 */
export const EM_MAP_CONDITION = 'prop?.kind === enums_1.ReferenceKind.SCALAR && enums_1.SCALAR_TYPES.includes(prop.runtimeType) && !prop.customType && (prop.setter || !prop.getter)';

/** knex's pool, as db/lean-transaction.ts borrows and returns raw connections (knex's client API, undocumented). */
export interface KnexClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
  transacting?: boolean;
}
