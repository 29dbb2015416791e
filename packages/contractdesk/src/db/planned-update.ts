import {
  type EntityDictionary,
  type EntityMetadata,
  type FilterQuery,
  type NativeInsertUpdateOptions,
  type QueryResult,
  ReferenceKind,
  type UpsertOptions,
  Utils,
} from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/knex';
import { LRUCache } from 'lru-cache';
import { NOT_BINDABLE, bindScalar } from './bound-params';

type UpdateOptions<T> = NativeInsertUpdateOptions<T> & UpsertOptions<T>;

/**
 * The Unit of Work's single-row update (`update … set … , version = version + 1 where id = ? and version = ?
 * returning version`) without a QueryBuilder per call: MikroORM still decides what to write (change sets,
 * version check, hooks) and passes it to the driver's public `nativeUpdate`; this writes the SQL once per
 * entity and column shape, exactly as the QueryBuilder writes it, and runs it through the connection's
 * public `execute` (bound values under our transactions, db/bound-params.ts). Anything else — upserts,
 * schemas, custom-type SQL conversions, values that are not plain scalars, calls that still need custom-type
 * conversion — returns undefined and takes MikroORM's own path.
 */
export function plannedUpdate<T extends object>(
  driver: AbstractSqlDriver,
  rethrow: <R>(promise: Promise<R>) => Promise<R>,
  entityName: string,
  where: FilterQuery<T>,
  data: EntityDictionary<T>,
  options: UpdateOptions<T>,
): Promise<QueryResult<T>> | undefined {
  // The Unit of Work passes database values (convertCustomTypes: false); other callers keep MikroORM's path.
  if (options.convertCustomTypes !== false || options.upsert) return undefined;
  if (!Utils.isPlainObject(where) || !Utils.isPlainObject(data)) return undefined;
  const meta = driver.getMetadata().find<T>(entityName);
  if (!meta || meta.primaryKeys.length !== 1) return undefined;
  // The QueryBuilder names no schema when it is the default one (PostgreSQL's "public"); any other would need it.
  const schema = options.schema ?? meta.schema;
  if (schema && schema !== driver.getPlatform().getDefaultSchemaName()) return undefined;
  const whereKeys = Object.keys(where);
  const dataKeys = Object.keys(data);
  if (dataKeys.length === 0) return undefined;
  const sql = statementFor(driver, meta, whereKeys, dataKeys);
  if (!sql) return undefined;
  const params: unknown[] = [];
  for (const key of dataKeys) params.push((data as Record<string, unknown>)[key]);
  for (const key of whereKeys) params.push((where as Record<string, unknown>)[key]);
  if (params.some((value) => bindScalar(value, (v) => v) === NOT_BINDABLE)) return undefined;
  const connection = driver.getConnection('write');
  return rethrow(connection.execute<QueryResult<T>>(sql, params, 'run', options.ctx, options.loggerContext));
}

// Per entity, one text per column shape. Shapes are subsets of an entity's columns, few in practice but not
// bounded by anything: least recently used shapes go past SHAPES_PER_ENTITY.
const SHAPES_PER_ENTITY = 256;
const statements = new WeakMap<EntityMetadata, LRUCache<string, { sql: string | null }>>();

/** The SQL for one shape, or null when the shape is not the plain single-row update this handles. */
function statementFor<T>(driver: AbstractSqlDriver, meta: EntityMetadata<T>, whereKeys: string[], dataKeys: string[]): string | null {
  let byShape = statements.get(meta);
  if (!byShape) statements.set(meta, (byShape = new LRUCache<string, { sql: string | null }>({ max: SHAPES_PER_ENTITY })));
  const shape = `${whereKeys.join(',')}|${dataKeys.join(',')}`;
  // Boxed: lru-cache stores objects, and "not plannable" (null) must be remembered too.
  let entry = byShape.get(shape);
  if (entry === undefined) byShape.set(shape, (entry = { sql: buildStatement(driver, meta, whereKeys, dataKeys) }));
  return entry.sql;
}

function buildStatement<T>(driver: AbstractSqlDriver, meta: EntityMetadata<T>, whereKeys: string[], dataKeys: string[]): string | null {
  const platform = driver.getPlatform();
  const q = (name: string) => platform.quoteIdentifier(name);
  const props = meta.properties as Record<string, EntityMetadata<T>['props'][number] | undefined>;
  const column = (key: string) => {
    const prop = props[key];
    const plain =
      prop &&
      prop.fieldNames?.length === 1 &&
      prop.persist !== false &&
      !prop.formula &&
      !prop.customType?.convertToDatabaseValueSQL &&
      (prop.kind === ReferenceKind.SCALAR || prop.kind === ReferenceKind.MANY_TO_ONE);
    return plain ? q(prop.fieldNames[0]) : null;
  };
  const version = meta.versionProperty ? props[meta.versionProperty as string] : undefined;
  // What the QueryBuilder adds on its own: the version increment (a number, not a timestamp) and the returning
  // list of version and generated columns; generated columns would need their own reload, so they are left out.
  if (version && version.runtimeType === 'Date') return null;
  if (meta.props.some((p) => p.generated && !p.primary)) return null;
  if (whereKeys.some((key) => key !== meta.primaryKeys[0] && key !== meta.versionProperty)) return null;
  if (!whereKeys.includes(meta.primaryKeys[0] as string)) return null;
  if (version && dataKeys.includes(version.name)) return null;
  const sets: string[] = [];
  for (const key of dataKeys) {
    const col = column(key);
    if (!col) return null;
    sets.push(`${col} = ?`);
  }
  if (version) sets.push(`${q(version.fieldNames[0])} = ${q(version.fieldNames[0])} + 1`);
  const conditions: string[] = [];
  for (const key of whereKeys) {
    const col = column(key);
    if (!col) return null;
    conditions.push(`${col} = ?`);
  }
  const returning = version ? ` returning ${q(version.fieldNames[0])}` : '';
  return `update ${q(meta.tableName)} set ${sets.join(', ')} where ${conditions.join(' and ')}${returning}`;
}

/**
 * What MikroORM's driver methods do with a query's promise (its protected `rethrow`), through the driver's public
 * `convertException`: a driver error becomes MikroORM's typed exception (UniqueConstraintViolationException, …).
 */
export function convertingErrors(driver: { convertException(error: Error): Error }): <R>(promise: Promise<R>) => Promise<R> {
  return (promise) =>
    promise.catch((error: unknown) => {
      throw driver.convertException(error as Error);
    });
}
