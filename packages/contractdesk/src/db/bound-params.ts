/**
 * MikroORM 6 builds a statement with `?` placeholders and bindings, then inlines the values into the SQL text
 * (Platform.formatQuery) before knex sends it. Under our lean transactions (db/lean-transaction.ts) the same
 * statement is sent with its values bound instead: no value ever becomes SQL text (a NUL byte or a quote in a
 * value can no longer break the statement or show up in a driver's error message), and SQLite reuses one
 * prepared statement per SQL text instead of compiling each write anew.
 *
 * Each dialect converts a value to what its driver binds, chosen to store exactly what the inlined literal
 * stored (e.g. a Date as SQLite's epoch milliseconds, PostgreSQL's formatDate text). A statement whose SQL or
 * values do not fit plain binding (a quoted literal in the SQL, `??` identifiers, an array or object value)
 * keeps MikroORM's inlining: `bindable` returns undefined for it.
 */
export const NOT_BINDABLE: unique symbol = Symbol('not bindable');

export type BindValue = (value: unknown) => unknown;

/**
 * The most values one statement binds here: SQLite's limit (PostgreSQL's is 65,535). A statement with more keeps
 * MikroORM's inlined values, which it could always send, rather than being refused by the engine.
 */
export const MAX_BOUND_PARAMS = 32_766;

export function bindable(sql: string, params: readonly unknown[], bind: BindValue): unknown[] | undefined {
  if (params.length === 0 || params.length > MAX_BOUND_PARAMS || sql.includes("'") || sql.includes('??') || sql.includes('\\?')) return undefined;
  let placeholders = 0;
  for (let at = sql.indexOf('?'); at !== -1; at = sql.indexOf('?', at + 1)) placeholders++;
  if (placeholders !== params.length) return undefined;
  const values = new Array<unknown>(params.length);
  for (let i = 0; i < params.length; i++) {
    const value = bind(params[i]);
    if (value === NOT_BINDABLE) return undefined;
    values[i] = value;
  }
  return values;
}

/** The cases every driver binds as they are; `other` decides the rest per dialect. */
export function bindScalar(value: unknown, other: (value: object | bigint | boolean) => unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      // NaN and Infinity inline as words a column would refuse differently; leave them to MikroORM.
      return Number.isFinite(value) ? value : NOT_BINDABLE;
    case 'bigint':
    case 'boolean':
      return other(value);
    case 'object':
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? NOT_BINDABLE : other(value);
      if (Buffer.isBuffer(value)) return value;
      return NOT_BINDABLE;
    default:
      return NOT_BINDABLE;
  }
}
