import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { openSqlite } from '../db/better-sqlite3';
import { Client } from 'pg';
import type { Backend } from '../config/backend';
import { isoMicros } from './checksum';
import type { ColumnKind, TableSpec } from './table-specs';

/**
 * One value in the tool's driver-neutral form: text/uuid as string, int as number, int64 as an exact
 * decimal string, datetime as epoch microseconds (PostgreSQL's precision; SQLite rows written by
 * MikroORM hold milliseconds), SQL NULL as null.
 */
export type Value = string | number | null;
export type Row = Value[];

/** The few raw operations the copy needs, on better-sqlite3 or pg, parameterised, no ORM in the loop. */
export interface RawDb {
  readonly dialect: Backend['kind'];
  /** Starts one read transaction so counts, copy and checksum all see the same snapshot. */
  beginSnapshot(): Promise<void>;
  endSnapshot(): Promise<void>;
  tableExists(name: string): Promise<boolean>;
  count(table: string): Promise<number>;
  /** Up to `limit` rows in primary-key order after the key `after` (keyset pagination), columns in spec order. */
  readBatch(spec: TableSpec, after: Row | undefined, limit: number): Promise<Row[]>;
  /** Inserts the rows in one transaction. */
  insertBatch(spec: TableSpec, rows: Row[]): Promise<void>;
  /** Runs statements in one write transaction. */
  transaction(statements: Array<[sql: string, params?: unknown[]]>): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: Value[]): Promise<T[]>;
  quote(identifier: string): string;
  close(): Promise<void>;
}

export async function openRaw(backend: Backend, opts: { mustExist: boolean }): Promise<RawDb> {
  if (backend.kind === 'sqlite') {
    if (backend.path === ':memory:') throw new Error('an in-memory SQLite database cannot be copied');
    if (opts.mustExist && !existsSync(backend.path)) throw new Error(`SQLite file ${backend.path} does not exist`);
    // A new target file may live in a folder nobody created yet, as the app's DB_PATH may.
    if (!opts.mustExist) mkdirSync(dirname(backend.path), { recursive: true });
    return new SqliteRaw(backend.path, backend.busyTimeoutMs);
  }
  const client = new Client({ connectionString: backend.url });
  // A server-side disconnect while idle is reported by the next query; without a listener it would
  // crash the process as an unhandled 'error' event instead.
  client.on('error', () => undefined);
  await client.connect();
  return new PostgresRaw(client);
}

const placeholders = (n: number, first = 1, style: 'pg' | 'sqlite' = 'pg'): string =>
  Array.from({ length: n }, (_, i) => (style === 'pg' ? `$${first + i}` : '?')).join(', ');

function keysetWhere(spec: TableSpec, q: (s: string) => string, style: 'pg' | 'sqlite'): string {
  const cols = spec.primaryKey.map(q).join(', ');
  return `(${cols}) > (${placeholders(spec.primaryKey.length, 1, style)})`;
}

function pkValues(spec: TableSpec, row: Row): Value[] {
  return spec.primaryKey.map((pk) => row[spec.columns.findIndex((c) => c.name === pk)]);
}

class SqliteRaw implements RawDb {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;

  constructor(path: string, busyTimeoutMs: number) {
    this.db = openSqlite(path);
    this.db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    // As in the app: WAL + NORMAL never corrupts; a power cut may drop the last batches, and then the
    // copy marker (dropped by the very last commit) is still there, so the target never looks complete.
    this.db.pragma('synchronous = NORMAL');
    // Integers read as BigInt: int64 amounts above 2^53 must not be rounded on the way through.
    this.db.defaultSafeIntegers(true);
  }

  quote(identifier: string): string {
    return `"${identifier.replace(/"/g, '""')}"`;
  }

  async beginSnapshot(): Promise<void> {
    this.db.exec('BEGIN DEFERRED');
    // A deferred transaction takes its snapshot at the first read.
    this.db.prepare('select count(*) from sqlite_master').get();
  }

  async endSnapshot(): Promise<void> {
    if (this.db.inTransaction) this.db.exec('COMMIT');
  }

  async tableExists(name: string): Promise<boolean> {
    return !!this.db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(name);
  }

  async count(table: string): Promise<number> {
    const row = this.db.prepare(`select count(*) as n from ${this.quote(table)}`).get() as { n: bigint };
    return Number(row.n);
  }

  async readBatch(spec: TableSpec, after: Row | undefined, limit: number): Promise<Row[]> {
    const cols = spec.columns.map((c) => this.quote(c.name)).join(', ');
    const order = spec.primaryKey.map((c) => this.quote(c)).join(', ');
    const where = after ? `where ${keysetWhere(spec, (s) => this.quote(s), 'sqlite')}` : '';
    const stmt = this.db.prepare(`select ${cols} from ${this.quote(spec.name)} ${where} order by ${order} limit ?`).raw(true);
    const params = after ? [...pkValues(spec, after).map((v, i) => toSqlite(v, kindOfPk(spec, i))), limit] : [limit];
    return (stmt.all(...params) as unknown[][]).map((raw) => raw.map((v, i) => fromSqlite(v, spec.columns[i].kind)));
  }

  async insertBatch(spec: TableSpec, rows: Row[]): Promise<void> {
    const cols = spec.columns.map((c) => this.quote(c.name)).join(', ');
    const stmt = this.db.prepare(`insert into ${this.quote(spec.name)} (${cols}) values (${placeholders(spec.columns.length, 1, 'sqlite')})`);
    this.db.transaction(() => {
      for (const row of rows) stmt.run(...row.map((v, i) => toSqlite(v, spec.columns[i].kind)));
    }).immediate();
  }

  async transaction(statements: Array<[string, unknown[]?]>): Promise<void> {
    this.db.transaction(() => {
      for (const [sql, params] of statements) this.db.prepare(sql).run(...(params ?? []));
    }).immediate();
  }

  async query<T>(sql: string, params: Value[] = []): Promise<T[]> {
    const stmt = this.db.prepare(sql);
    if (!stmt.reader) {
      stmt.run(...params);
      return [];
    }
    return stmt.all(...params) as T[];
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function kindOfPk(spec: TableSpec, i: number): ColumnKind {
  return spec.columns.find((c) => c.name === spec.primaryKey[i])!.kind;
}

/**
 * A column value as the copy compares and writes it. Only datetimes arrive differently per driver, so
 * each driver supplies its own reading of those (as epoch microseconds).
 */
function fromDriver(v: unknown, kind: ColumnKind, datetimeMicros: (v: unknown) => number): Value {
  if (v === null || v === undefined) return null;
  switch (kind) {
    case 'int':
      return Number(v);
    case 'datetime':
      return datetimeMicros(v);
    default:
      return scalarText(v, kind);
  }
}

/** A copy must never write "[object Object]" for a value it does not understand: it stops, naming the column kind. */
function scalarText(v: unknown, kind: ColumnKind): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  throw new Error(`db-copy: a ${kind} column holds a ${typeof v} value it cannot copy`);
}

function fromSqlite(v: unknown, kind: ColumnKind): Value {
  return fromDriver(v, kind, (d) => {
    // MikroORM writes epoch milliseconds; rows written by other tools may hold ISO text.
    if (typeof d === 'bigint' || typeof d === 'number') return Number(d) * 1000;
    return /^-?\d+$/.test(String(d)) ? Number(d) * 1000 : Date.parse(String(d)) * 1000;
  });
}

function toSqlite(v: Value, kind: ColumnKind): unknown {
  if (v === null) return null;
  if (kind === 'int64') return BigInt(v);
  // Sub-millisecond digits cannot be stored the way the app stores dates; they are not silently
  // rounded away either: the verification pass compares microseconds and reports the table.
  if (kind === 'datetime') return Math.floor((v as number) / 1000);
  return v;
}

class PostgresRaw implements RawDb {
  readonly dialect = 'postgresql' as const;

  constructor(private readonly client: Client) {}

  quote(identifier: string): string {
    return `"${identifier.replace(/"/g, '""')}"`;
  }

  async beginSnapshot(): Promise<void> {
    await this.client.query('begin isolation level repeatable read read only');
  }

  async endSnapshot(): Promise<void> {
    await this.client.query('commit');
  }

  async tableExists(name: string): Promise<boolean> {
    const res = await this.client.query<{ ok: boolean }>('select to_regclass($1) is not null as ok', [`public.${this.quote(name)}`]);
    return res.rows[0].ok === true;
  }

  async count(table: string): Promise<number> {
    const res = await this.client.query<{ n: string }>(`select count(*)::bigint as n from ${this.quote(table)}`);
    return Number(res.rows[0].n);
  }

  async readBatch(spec: TableSpec, after: Row | undefined, limit: number): Promise<Row[]> {
    const cols = spec.columns.map((c) => (c.kind === 'datetime' ? epochMicros(this.quote(c.name)) : this.quote(c.name))).join(', ');
    const order = spec.primaryKey.map((c) => this.quote(c)).join(', ');
    const where = after ? `where ${keysetWhere(spec, (s) => this.quote(s), 'pg')}` : '';
    const params = after ? pkValues(spec, after).map((v, i) => toPg(v, kindOfPk(spec, i))) : [];
    const res = await this.client.query({
      text: `select ${cols} from ${this.quote(spec.name)} ${where} order by ${order} limit $${params.length + 1}`,
      values: [...params, limit],
      rowMode: 'array',
    });
    return (res.rows as unknown[][]).map((raw) => raw.map((v, i) => fromPg(v, spec.columns[i].kind)));
  }

  async insertBatch(spec: TableSpec, rows: Row[]): Promise<void> {
    // One array parameter per column and unnest(): a 2,000-row batch is one statement with a handful of
    // parameters instead of 20,000, several times faster to bind and parse.
    const types = await this.columnTypes(spec.name);
    const cols = spec.columns.map((c) => this.quote(c.name)).join(', ');
    const arrays = spec.columns.map((c, i) => rows.map((row) => toPg(row[i], c.kind)));
    const params = spec.columns.map((c, i) => `$${i + 1}::${types.get(c.name) ?? 'text'}[]`).join(', ');
    await this.transaction([[`insert into ${this.quote(spec.name)} (${cols}) select * from unnest(${params})`, arrays]]);
  }

  private readonly types = new Map<string, Map<string, string>>();

  private async columnTypes(table: string): Promise<Map<string, string>> {
    let types = this.types.get(table);
    if (!types) {
      const res = await this.client.query(
        'select attname, format_type(atttypid, atttypmod) as type from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped',
        [`public.${this.quote(table)}`],
      );
      types = new Map(res.rows.map((r: { attname: string; type: string }) => [r.attname, r.type]));
      this.types.set(table, types);
    }
    return types;
  }

  async transaction(statements: Array<[string, unknown[]?]>): Promise<void> {
    await this.client.query('begin');
    try {
      for (const [sql, params] of statements) await this.client.query(sql, params ?? []);
      await this.client.query('commit');
    } catch (error) {
      await this.client.query('rollback').catch(() => undefined);
      throw error;
    }
  }

  async query<T>(sql: string, params: Value[] = []): Promise<T[]> {
    return (await this.client.query(sql, params)).rows as T[];
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

/**
 * A timestamp as exact epoch microseconds, on any PostgreSQL version (before 14 `extract(epoch …)` is a
 * double, which cannot hold today's epoch in microseconds exactly).
 */
function epochMicros(col: string): string {
  return `(floor(extract(epoch from date_trunc('second', ${col})))::bigint * 1000000 + extract(microseconds from ${col})::bigint % 1000000)::text`;
}

function fromPg(v: unknown, kind: ColumnKind): Value {
  return fromDriver(v, kind, (d) => (d instanceof Date ? d.getTime() * 1000 : Number(d)));
}

function toPg(v: Value, kind: ColumnKind): unknown {
  if (v === null) return null;
  if (kind === 'datetime') return isoMicros(v as number);
  return v;
}
