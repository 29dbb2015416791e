import { COPY_MARKER_TABLE } from '../db/copy-marker';
import { CONTRACTDESK_MIGRATIONS_TABLE } from '../entities';
import { type Backend, type Env, describeBackend, resolveBackend } from '../config/backend';
import { type ContractDeskOrm, createConfig, initOrm } from '../config/orm-config';
import { knownMigrations } from './migration-workflow';
import { OperationError } from '../errors/domain-error';
import { TableChecksum, type TableSummary } from './checksum';
import { Progress, type ProgressSink } from './progress';
import { type RawDb, type Row, openRaw } from './raw-db';
import { type TableSpec, tableSpecs } from './table-specs';

// Present in a target while a copy is in progress or failed verification; the app refuses to start on it.
export { COPY_MARKER_TABLE };
export const DEFAULT_BATCH_SIZE = 2000;

export class CopyError extends OperationError {}

export interface CopyOptions {
  /** A SQLite file path, a sqlite:/file: URL or a postgres(ql):// URL: what DB_PATH or DATABASE_URL accept. */
  from: string;
  to: string;
  /** Empty a non-empty target first (never needed to restart a copy this tool left unfinished). */
  force?: boolean;
  batchSize?: number;
  /** Settings other than the location (DB_BUSY_TIMEOUT, …) for both ends. */
  baseEnv?: Env;
  progress?: ProgressSink;
  log?: (line: string) => void;
}

export interface TableVerification {
  table: string;
  source: TableSummary;
  target: TableSummary;
  ok: boolean;
}

export interface CopyReport {
  ok: boolean;
  /** True when an unfinished earlier copy (marker present) was discarded and redone. */
  restarted: boolean;
  tables: TableVerification[];
  rows: number;
  copySeconds: number;
  rowsPerSecond: number;
}

/** The environment that points createConfig/resolveBackend at one end of the copy. */
export function envFor(location: string, base: Env = {}): Env {
  const env: Env = { ...base, DATABASE_URL: undefined, DB_PATH: undefined };
  // Anything with a URL scheme goes through DATABASE_URL, so resolveBackend accepts (sqlite:./x.db, file:…,
  // postgres://…) or refuses it exactly as the app does (mysql://… was once taken for a SQLite file name). One
  // letter before the colon is a Windows drive (C:\data\x.db), and ':memory:' has no scheme: both are paths.
  if (/^[a-z][a-z0-9+.-]+:/i.test(location.trim())) env.DATABASE_URL = location.trim();
  else env.DB_PATH = location.trim();
  return env;
}

/**
 * Copies every mapped table from one ContractDesk database to another (either dialect), then verifies
 * per-table counts and content checksums. The target is migrated by the Migrator to the code's version;
 * the source must already be there. A marker table exists in the target from before the first row is
 * written until verification has passed, so an interrupted or failed copy never looks complete, and a
 * re-run recognises it and starts cleanly.
 */
export async function copyDatabase(options: CopyOptions): Promise<CopyReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new CopyError('COPY.USAGE', '--batch-size must be a positive whole number', 'validation');
  const sourceEnv = envFor(options.from, options.baseEnv);
  const targetEnv = envFor(options.to, options.baseEnv);
  const source = resolveBackend(sourceEnv);
  const target = resolveBackend(targetEnv);
  if (sameDatabase(source, target)) throw new CopyError('COPY.SAME_DATABASE', 'Source and target are the same database', 'validation');
  log(`source ${describeBackend(source)}`);
  log(`target ${describeBackend(target)}`);

  const src = await open(source, true, 'source');
  let dst: RawDb | undefined;
  try {
    if (!(await src.tableExists(CONTRACTDESK_MIGRATIONS_TABLE))) {
      throw new CopyError('COPY.SOURCE_NOT_MIGRATED', 'The source has no migration history: it is not a ContractDesk database, or it was never migrated');
    }
    const specs = await withOrm(sourceEnv, async (orm) => {
      await assertFullyMigrated(orm, source, 'source');
      return tableSpecs(orm.getMetadata());
    });

    dst = await open(target, false, 'target');
    const restarted = await checkTargetIsOurs(dst, specs, describeBackend(source), !!options.force, log);
    await withOrm(targetEnv, async (orm) => {
      await orm.migrator.up();
      await assertFullyMigrated(orm, target, 'target');
    });
    await claimTarget(dst, specs, describeBackend(source));

    await src.beginSnapshot();
    const counts = new Map<string, number>();
    for (const spec of specs) counts.set(spec.name, await src.count(spec.name));
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    log(`copying ${total} rows: ${specs.map((s) => `${s.name} ${counts.get(s.name)}`).join(', ')}`);

    const progress = new Progress(total, options.progress ?? process.stderr);
    const started = Date.now();
    const sourceSums = new Map<string, TableSummary>();
    for (const spec of specs) {
      const sum = new TableChecksum(spec);
      await forEachBatch(src, spec, batchSize, async (rows) => {
        for (const row of rows) sum.add(row);
        await dst!.insertBatch(spec, rows);
        progress.advance(spec.name, rows.length);
      });
      sourceSums.set(spec.name, { table: spec.name, rows: sum.rows, checksum: sum.digest() });
    }
    progress.finish();
    const copySeconds = (Date.now() - started) / 1000;
    const rowsPerSecond = progress.rate();
    await src.endSnapshot();

    const tables: TableVerification[] = [];
    for (const spec of specs) {
      const t = await summarise(dst, spec, batchSize);
      const s = sourceSums.get(spec.name)!;
      const ok = s.rows === counts.get(spec.name) && t.rows === s.rows && t.checksum === s.checksum;
      tables.push({ table: spec.name, source: s, target: t, ok });
      log(`verify ${spec.name}: ${ok ? 'ok' : 'MISMATCH'} rows ${s.rows}/${t.rows} checksum ${s.checksum.slice(0, 16)}…/${t.checksum.slice(0, 16)}…`);
    }
    const fkProblems = dst.dialect === 'sqlite' ? await dst.query('pragma foreign_key_check') : [];
    if (fkProblems.length > 0) log(`verify: ${fkProblems.length} foreign key violation(s) in the target`);
    const ok = tables.every((t) => t.ok) && fkProblems.length === 0;
    // Only a verified copy loses its marker: anything else stays visibly unfinished.
    if (ok) await dst.transaction([[`drop table ${dst.quote(COPY_MARKER_TABLE)}`]]);
    else log(`verification FAILED: the target keeps ${COPY_MARKER_TABLE}; do not use it`);
    return { ok, restarted, tables, rows: total, copySeconds, rowsPerSecond };
  } finally {
    await src.endSnapshot().catch(() => undefined);
    await src.close();
    await dst?.close();
  }
}

/** Per-table count and checksum of one database, read in primary-key order (tests use it too). */
export async function summariseDatabase(location: string, baseEnv: Env = {}): Promise<TableSummary[]> {
  const env = envFor(location, baseEnv);
  const specs = await withOrm(env, async (orm) => tableSpecs(orm.getMetadata()));
  const raw = await open(resolveBackend(env), true, 'database');
  try {
    await raw.beginSnapshot();
    const out: TableSummary[] = [];
    for (const spec of specs) out.push(await summarise(raw, spec, DEFAULT_BATCH_SIZE));
    return out;
  } finally {
    await raw.endSnapshot().catch(() => undefined);
    await raw.close();
  }
}

async function summarise(db: RawDb, spec: TableSpec, batchSize: number): Promise<TableSummary> {
  const sum = new TableChecksum(spec);
  await forEachBatch(db, spec, batchSize, async (rows) => rows.forEach((row) => sum.add(row)));
  return { table: spec.name, rows: sum.rows, checksum: sum.digest() };
}

async function forEachBatch(db: RawDb, spec: TableSpec, batchSize: number, handle: (rows: Row[]) => Promise<void>): Promise<void> {
  let after: Row | undefined;
  for (;;) {
    const rows = await db.readBatch(spec, after, batchSize);
    if (rows.length === 0) return;
    await handle(rows);
    after = rows[rows.length - 1];
    if (rows.length < batchSize) return;
  }
}

/** Decides whether the target may be (re)filled; returns true when it restarts an unfinished copy. */
async function checkTargetIsOurs(dst: RawDb, specs: TableSpec[], sourceLabel: string, force: boolean, log: (line: string) => void): Promise<boolean> {
  if (await dst.tableExists(COPY_MARKER_TABLE)) {
    const [marker] = await dst.query<{ source: string; started_at: string }>(`select source, started_at from ${dst.quote(COPY_MARKER_TABLE)}`);
    if (marker && marker.source !== sourceLabel && !force) {
      throw new CopyError(
        'COPY.TARGET_UNFINISHED_OTHER_SOURCE',
        `The target holds an unfinished copy from another source (${marker.source}); use --force to discard it`,
        'conflict',
      );
    }
    log(`target holds an unfinished copy started ${marker?.started_at ?? 'at an unknown time'}: discarding it and starting again`);
    return true;
  }
  const filled: string[] = [];
  for (const spec of specs) {
    if ((await dst.tableExists(spec.name)) && (await dst.count(spec.name)) > 0) filled.push(spec.name);
  }
  if (filled.length > 0 && !force) {
    throw new CopyError('COPY.TARGET_NOT_EMPTY', `The target already has rows in ${filled.join(', ')}; use --force to empty it first`, 'conflict');
  }
  if (filled.length > 0) log(`--force: emptying ${filled.join(', ')} in the target`);
  return false;
}

/** In one transaction: the marker goes in and the data tables are emptied, so no state in between is visible. */
async function claimTarget(dst: RawDb, specs: TableSpec[], sourceLabel: string): Promise<void> {
  const q = (s: string) => dst.quote(s);
  const marker = q(COPY_MARKER_TABLE);
  const p = dst.dialect === 'postgresql' ? ['$1', '$2'] : ['?', '?'];
  const empty: Array<[string]> =
    dst.dialect === 'postgresql'
      ? [[`truncate table ${specs.map((s) => q(s.name)).join(', ')}`]]
      : [...specs].reverse().map((s): [string] => [`delete from ${q(s.name)}`]);
  await dst.transaction([
    [`create table if not exists ${marker} (id integer primary key check (id = 1), source text not null, started_at text not null)`],
    [`delete from ${marker}`],
    [`insert into ${marker} (id, source, started_at) values (1, ${p[0]}, ${p[1]})`, [sourceLabel, new Date().toISOString()]],
    ...empty,
  ]);
}

async function assertFullyMigrated(orm: ContractDeskOrm, backend: Backend, role: 'source' | 'target'): Promise<void> {
  const pending = await orm.migrator.getPendingMigrations();
  if (pending.length > 0) {
    throw new CopyError(
      role === 'source' ? 'COPY.SOURCE_NOT_MIGRATED' : 'COPY.TARGET_NOT_MIGRATED',
      `The ${role} has ${pending.length} pending migration(s) (${pending.map((m) => m.name).join(', ')}); run migration:up on it first`,
    );
  }
  const known = new Set(knownMigrations(backend.kind));
  const executed = await orm.migrator.getExecutedMigrations();
  const unknown = executed.map((m) => m.name.replace(/\.[jt]s$/, '')).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new CopyError(
      role === 'source' ? 'COPY.SOURCE_NEWER_THAN_CODE' : 'COPY.TARGET_NEWER_THAN_CODE',
      `The ${role} has migrations this version does not know (${unknown.join(', ')}); run the copy with the newer version`,
    );
  }
}

async function withOrm<T>(env: Env, work: (orm: ContractDeskOrm) => Promise<T>): Promise<T> {
  // Same migration settings as the app and CLI, minus the per-migration log lines.
  const migrations = { ...createConfig(env).migrations, silent: true };
  const orm = await initOrm({ env, log: () => undefined, options: { migrations } });
  try {
    return await work(orm);
  } finally {
    await orm.close(true);
  }
}

async function open(backend: Backend, mustExist: boolean, role: string): Promise<RawDb> {
  try {
    return await openRaw(backend, { mustExist });
  } catch (error) {
    throw new CopyError('COPY.UNREACHABLE', `Cannot open the ${role} (${describeBackend(backend)})`, 'unavailable', { cause: error });
  }
}

function sameDatabase(a: Backend, b: Backend): boolean {
  if (a.kind === 'sqlite' && b.kind === 'sqlite') return a.path === b.path;
  if (a.kind === 'postgresql' && b.kind === 'postgresql') {
    const ua = new URL(a.url);
    const ub = new URL(b.url);
    return ua.hostname === ub.hostname && (ua.port || '5432') === (ub.port || '5432') && ua.pathname === ub.pathname;
  }
  return false;
}
