import { type EntityDictionary, type EntityMetadata, type EntityProperty, type NativeInsertUpdateManyOptions, type QueryResult, ReferenceKind, Utils } from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/knex';
import { LRUCache } from 'lru-cache';
import { MAX_BOUND_PARAMS, NOT_BINDABLE, bindScalar } from './bound-params';

/**
 * The Unit of Work's batched INSERT (`insert into t (…) values (?, …), (?, …) returning …`) without rebuilding
 * its text for every batch: MikroORM still decides what to write (change sets, payloads, batch size, hooks) and
 * passes each batch to the driver's public `nativeInsertMany`; this writes the statement once per entity, column
 * shape and row count, exactly as MikroORM's own nativeInsertMany writes it (same columns, same values, same
 * RETURNING list), runs it through the connection's public `execute` like MikroORM does (bound values under our
 * transactions, db/bound-params.ts) and returns the result in the shape the ChangeSetPersister reads.
 *
 * Anything else returns undefined and takes MikroORM's own path: calls that still need custom-type conversion
 * (em.insertMany), schemas, single-table inheritance, composite keys, embedded or multi-column
 * properties, custom types that wrap the placeholder in SQL, rows of differing shapes, values that are not plain
 * scalars (raw SQL fragments, arrays, objects), a missing value (PostgreSQL would write `default`), and a batch
 * with more values than one statement binds (MikroORM then inlines them, db/bound-params.ts). Splitting such a
 * batch into several statements was tried and left out: a caller that caught the failure of a later one could
 * commit the rows of the earlier ones.
 */
export function plannedInsertMany<T extends object>(
  driver: AbstractSqlDriver,
  rethrow: <R>(promise: Promise<R>) => Promise<R>,
  entityName: string,
  data: EntityDictionary<T>[],
  options: NativeInsertUpdateManyOptions<T>,
  transform?: (sql: string) => string,
): Promise<QueryResult<T>> | undefined {
  // The Unit of Work passes database values; other callers keep MikroORM's path. Collections need no check: a
  // row with a many-to-many property has no plan (below), so there is never one for MikroORM to write here.
  if (options.convertCustomTypes !== false || options.upsert || transform) return undefined;
  if (data.length === 0) return undefined;
  const meta = driver.getMetadata().find<T>(entityName);
  if (!meta || meta.root !== meta || meta.discriminatorColumn) return undefined;
  // MikroORM names no schema when it is the default one (PostgreSQL's "public"); any other would need it.
  const schema = driver.getSchemaName(meta, options);
  if (schema && schema !== driver.getPlatform().getDefaultSchemaName()) return undefined;
  const first = data[0] as Record<string, unknown>;
  const keys = Object.keys(first);
  const plan = planFor(driver, meta, keys);
  if (!plan) return undefined;
  if (data.length * plan.columns.length > MAX_BOUND_PARAMS) return undefined;
  const params = valuesOf(plan, keys, data as Record<string, unknown>[]);
  if (!params) return undefined;
  const connection = driver.getConnection('write');
  const run = (rows: number, values: unknown[]) =>
    rethrow(connection.execute<QueryResult<T>>(plan.statement(rows), values, 'run', options.ctx, options.loggerContext));
  return run(data.length, params).then((res) => {
    // What MikroORM's nativeInsertMany does with the result before returning it.
    res.row ??= {};
    res.rows ??= [];
    res.insertId = (res.insertId || (res.row as Record<string, unknown>)[plan.primaryField]) as QueryResult<T>['insertId'];
    return res;
  });
}

interface Column {
  name: string;
  nullable: boolean;
  default: unknown;
}

interface Plan {
  columns: Column[];
  primaryField: string;
  statement(rows: number): string;
}

/** The row values in column order, as MikroORM's nativeInsertMany passes them; undefined where it would not be plain. */
function valuesOf(plan: Plan, keys: string[], rows: Record<string, unknown>[]): unknown[] | undefined {
  const columns = plan.columns;
  const params = new Array<unknown>(columns.length * rows.length);
  let at = 0;
  for (const row of rows) {
    // Every row must have the first row's properties, no more, no fewer: then the first row's keys are the column
    // list MikroORM builds from the union of all rows' keys.
    if (row !== rows[0] && !sameKeys(row, keys)) return undefined;
    for (const column of columns) {
      const given = row[column.name];
      const value = column.nullable && given === null ? null : (given ?? column.default);
      if (value === undefined || bindScalar(value, passThrough) === NOT_BINDABLE) return undefined;
      params[at++] = value;
    }
  }
  return params;
}

function passThrough(value: unknown): unknown {
  return value;
}

function sameKeys(row: Record<string, unknown>, keys: string[]): boolean {
  let count = 0;
  for (const key in row) {
    if (!Object.prototype.hasOwnProperty.call(row, key)) continue;
    count++;
  }
  if (count !== keys.length) return false;
  for (const key of keys) if (!Object.prototype.hasOwnProperty.call(row, key)) return false;
  return true;
}

// Per entity, one plan per column shape; least recently used shapes go past SHAPES_PER_ENTITY (as planned-update.ts).
const SHAPES_PER_ENTITY = 256;
const plans = new WeakMap<EntityMetadata, LRUCache<string, { plan: Plan | null }>>();

/** The statement plan for one column shape, or null when the shape is not the plain insert this handles. */
function planFor<T>(driver: AbstractSqlDriver, meta: EntityMetadata<T>, keys: string[]): Plan | null {
  let byShape = plans.get(meta);
  if (!byShape) plans.set(meta, (byShape = new LRUCache<string, { plan: Plan | null }>({ max: SHAPES_PER_ENTITY })));
  const shape = keys.join(',');
  // Boxed: lru-cache stores objects, and "not plannable" (null) must be remembered too.
  let entry = byShape.get(shape);
  if (entry === undefined) byShape.set(shape, (entry = { plan: buildPlan(driver, meta, keys) }));
  return entry.plan;
}

// A batch of n rows has its own text; MikroORM's batches are one size plus a remainder, so few are ever built.
const STATEMENTS_PER_SHAPE = 64;

function buildPlan<T>(driver: AbstractSqlDriver, meta: EntityMetadata<T>, keys: string[]): Plan | null {
  const platform = driver.getPlatform();
  if (!platform.usesReturningStatement() || platform.usesOutputStatement()) return null;
  if (keys.length === 0 || meta.primaryKeys.length !== 1) return null;
  const primary = meta.properties[meta.primaryKeys[0]] as EntityProperty<T> | undefined;
  if (!primary || primary.fieldNames?.length !== 1) return null;
  const q = (name: string) => platform.quoteIdentifier(name);
  const props = meta.properties as Record<string, EntityProperty<T> | undefined>;
  const columns: Column[] = [];
  const fields = new Set<string>();
  for (const key of keys) {
    const prop = props[key];
    const plain =
      prop &&
      prop.fieldNames?.length === 1 &&
      !prop.stiFieldNames &&
      !prop.object &&
      !prop.customType?.convertToDatabaseValueSQL &&
      (prop.kind === ReferenceKind.SCALAR || prop.kind === ReferenceKind.MANY_TO_ONE);
    if (!plain || fields.has(prop.fieldNames[0])) return null;
    fields.add(prop.fieldNames[0]);
    columns.push({ name: key, nullable: prop.nullable === true, default: prop.default });
  }
  // MikroORM's RETURNING list: database defaults, autoincrements and generated columns the row does not set.
  const returning = meta.props
    .filter((prop) => (prop.persist !== false && prop.defaultRaw) || prop.autoincrement || prop.generated)
    .filter((prop) => !keys.includes(prop.name));
  const returningFields = Utils.flatten(returning.map((prop) => prop.fieldNames));
  // The caller has checked that the table lives in the default schema, which MikroORM leaves unnamed.
  const head = `insert into ${q(meta.tableName)} (${[...fields].map(q).join(', ')}) values `;
  const tail = returningFields.length > 0 ? ` returning ${returningFields.map(q).join(', ')}` : '';
  const row = `(${columns.map(() => '?').join(', ')})`;
  const texts = new Map<number, string>();
  return {
    columns,
    primaryField: primary.fieldNames[0],
    statement(rows) {
      let sql = texts.get(rows);
      if (sql === undefined) {
        if (texts.size >= STATEMENTS_PER_SHAPE) texts.clear();
        texts.set(rows, (sql = head + new Array<string>(rows).fill(row).join(', ') + tail));
      }
      return sql;
    },
  };
}
