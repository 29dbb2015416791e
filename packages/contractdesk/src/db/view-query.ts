import { type EntityName, type Platform, Utils } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { ModelOf, ViewField, ViewFields } from '../views/fields';
import { type LeanSource, runLean, singleColumnProperty } from './lean-query';

type Em = EntityManager;

/**
 * A read model straight from a SELECT: one column per view field (aliased to the field's name, custom types'
 * SQL conversion applied, e.g. stroops read as text so int64 stays exact on SQLite), each row decoded by the
 * field's kind into a frozen plain object. No entity, identity map, snapshot or fork is made: what a query
 * builder costs. Rows come through `Connection.execute` (MikroORM's public API) on the stock driver, and through
 * ContractDesk's drivers' lean path on theirs (db/lean-query.ts runLean); either way on the connection the
 * EntityManager would use (the caller's transaction, else a read connection).
 *
 * `where` names columns by entity property (`col('client')` → `"client_id"`) and uses `?` placeholders.
 */
export class ViewQuery<E extends object, F extends ViewFields<E>> {
  private readonly sql = new WeakMap<object, string>();
  private readonly names: string[];

  constructor(
    private readonly entity: EntityName<E>,
    private readonly fields: F,
    private readonly where: (col: (property: keyof E & string) => string) => string,
  ) {
    this.names = Object.keys(fields);
  }

  async all(em: Em, params: readonly unknown[], source: LeanSource = 'any'): Promise<Array<ModelOf<F>>> {
    const rows = await runLean(em, this.sqlFor(em), params, source);
    const decode = this.decoder(em.getPlatform());
    return rows.map(decode);
  }

  async one(em: Em, params: readonly unknown[], source: LeanSource = 'any'): Promise<ModelOf<F> | null> {
    const rows = await runLean(em, this.sqlFor(em), params, source);
    return rows.length ? this.decoder(em.getPlatform())(rows[0]) : null;
  }

  private decoder(platform: Platform): (row: Record<string, unknown>) => ModelOf<F> {
    const { names, fields } = this;
    const toDate = dateParser(platform);
    return (row) => {
      const view: Record<string, unknown> = {};
      for (const name of names) view[name] = decode(fields[name], row[name], toDate);
      return Object.freeze(view) as ModelOf<F>;
    };
  }

  private sqlFor(em: Em): string {
    const platform = em.getPlatform();
    let sql = this.sql.get(platform);
    if (!sql) {
      const meta = em.getMetadata().get<E>(Utils.className(this.entity));
      const q = (name: string) => platform.quoteIdentifier(name);
      const propOf = (property: string) => singleColumnProperty(meta, property, 'ViewQuery');
      const col = (property: string) => q(propOf(property).fieldNames[0]);
      const select = this.names.map((name) => {
        const prop = propOf(this.fields[name].property);
        const column = q(prop.fieldNames[0]);
        return `${prop.customType?.convertToJSValueSQL?.(column, platform) ?? column} as ${q(name)}`;
      });
      sql = `select ${select.join(', ')} from ${q(meta.tableName)} where ${this.where(col as never)}`;
      this.sql.set(platform, sql);
    }
    return sql;
  }
}

function decode(field: ViewField<never>, value: unknown, toDate: (value: unknown) => Date): unknown {
  if (value === null || value === undefined) return value;
  switch (field.kind) {
    case 'stroops':
      return BigInt(value as string | number | bigint);
    case 'integer':
      return Number(value);
    case 'datetime':
      return toDate(value);
    default:
      return value;
  }
}

/**
 * What MikroORM's hydrator does with a datetime column (EntityComparator's parseDate): SQLite stores epoch
 * milliseconds, PostgreSQL answers text (MikroORM turns pg's date parsing off); a text value without an offset is
 * read in the configured timezone (ContractDesk's `forceUtcTimezone`).
 */
function dateParser(platform: Platform): (value: unknown) => Date {
  const tz = platform.getTimezone();
  return (value) => {
    if (value instanceof Date) return value;
    if (typeof value === 'bigint') return platform.parseDate(Number(value));
    if (typeof value === 'number' || !tz || tz === 'local') return platform.parseDate(value as string | number);
    const text = value as string;
    const hasOffset = text.includes('+') || text.lastIndexOf('-') > 10 || text.endsWith('Z');
    return platform.parseDate(hasOffset ? text : text + tz);
  };
}
