import 'reflect-metadata';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { type ContractDeskOrm, initOrm } from 'contractdesk';
import { openSqlite } from 'contractdesk/internal';
import { workspaceRoot as projectRoot } from '../apps/server/src/paths';
import { prng } from './data';
import { throwawayPgDatabase } from './throwaway-pg';
import { RawSqlite } from './impl/raw-sqlite';
import { RawPg } from './impl/raw-pg';
import { ServicesImpl } from './impl/orm';
import type { Impl } from './impl/types';
import { type Measurement, WORKLOAD_TITLES, timedLoop } from './workloads';
import { type Env, environment, median } from './report';

/**
 * `npm run bench:scale` (issue 22, "cost as data grows"): W2 (point read by id), W3 (transition with version check)
 * and W4 (a client's contracts, newest first, limit 20) on tables of 10k, 100k and 1M contracts, SQLite and
 * PostgreSQL, through ContractDesk's services and, for the ratio, the raw driver. Target: per-operation cost at the
 * largest size within 1.5× of the smallest. Writes bench/SCALE-RESULTS.md.
 *
 * One database per dialect grows from size to size (seeded through the raw driver: better-sqlite3 prepared inserts in
 * one transaction per batch, PostgreSQL `insert … select from unnest(arrays)`), then ANALYZE, as an operator would
 * after a bulk load. New clients join as the table grows (one per ~200 contracts), so a client has ~50–600
 * contracts at every size and the list stays a realistic page of a long history, not a page of the whole table.
 * Ids for W2/W3 and clients for W4 are drawn at random from the whole table, so no size is measured on a hot subset.
 *
 * Env: BENCH_SCALE_SIZES (10000,100000,1000000), BENCH_DIALECTS (sqlite,postgresql), BENCH_SCALE_ROUNDS (3),
 * BENCH_CELL_SECONDS (1.5: budget per timed loop), BENCH_NOTE (a line for the report's head), BENCH_OUT
 * (default bench/SCALE-RESULTS.md), BENCH_PG_ADMIN_URL (see bench/context.ts).
 */

type Dialect = 'sqlite' | 'postgresql';
type ScaleWorkload = 'W2' | 'W3' | 'W4';
type Variant = 'raw' | 'services';
const WORKLOADS: readonly ScaleWorkload[] = ['W2', 'W3', 'W4'];
const VARIANTS: readonly Variant[] = ['raw', 'services'];

const CONTRACTS_PER_NEW_CLIENT = 200;
const LIST_LIMIT = 20;
const SPACING_MS = 30_000;
const BASE_MS = Date.UTC(2024, 0, 1);
const TARGET_RATIO = 1.5;
/** Operations drawn per cell (a cell stops earlier at its time budget). W3's rows are reset to draft afterwards. */
const MAX_OPS: Record<ScaleWorkload, number> = { W2: 200_000, W3: 5_000, W4: 50_000 };
const CHUNK = 100;

interface Stage {
  size: number;
  seedSeconds: number;
  bytes: number;
}

/** results[dialect][size][variant][workload]: one Measurement per round. */
type Results = Map<string, Measurement[]>;
const key = (dialect: Dialect, size: number, variant: Variant, w: ScaleWorkload) => `${dialect}/${size}/${variant}/${w}`;

/** lowbias32: a bijection on 32-bit integers, so ids derived from distinct row numbers are distinct. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}
const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/** Row n's UUID, recomputed where needed instead of holding a million strings; `kind` keeps users and contracts apart. */
function uuidOf(kind: '8' | '9', n: number): string {
  const a = hex8(mix32(n));
  const b = hex8(mix32(n ^ 0x5bd1e995));
  const c = hex8(mix32((n + 0x27d4eb2f) >>> 0));
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${kind}${c.slice(1, 4)}-${c.slice(4)}${hex8(mix32(n ^ 0x1b873593))}`;
}
const contractId = (g: number) => uuidOf('9', g);
const clientId = (j: number) => uuidOf('8', 2 * j);
const freelancerId = (j: number) => uuidOf('8', 2 * j + 1);
const clientsFor = (size: number) => Math.ceil(size / CONTRACTS_PER_NEW_CLIENT);

interface ContractSeed {
  id: string;
  title: string;
  clientId: string;
  freelancerId: string;
  amount: string;
  createdAt: number;
}

/** The database one dialect grows; raw and services share it. */
interface Target {
  dialect: Dialect;
  variants: Record<Variant, Impl>;
  settings: Record<string, string>;
  /** Users 2·from … 2·to−1: clients and freelancers, pairwise. */
  insertUsers(from: number, to: number): Promise<void>;
  insertContracts(rows: ContractSeed[]): Promise<void>;
  analyze(): Promise<void>;
  resetToDraft(ids: string[]): Promise<void>;
  bytes(): Promise<number>;
  close(): Promise<void>;
}

const quiet = () => undefined;

async function migratedOrm(env: Record<string, string>): Promise<ContractDeskOrm> {
  const orm = await initOrm({ env, log: quiet });
  await orm.getMigrator().up();
  return orm;
}

function userRow(n: number, role: 'client' | 'freelancer', createdAt: number) {
  return { id: uuidOf('8', n), username: `scale${n}`, email: `scale${n}@example.com`, role, createdAt };
}

async function sqliteTarget(): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'contractdesk-scale-'));
  const path = join(dir, 'scale.sqlite3');
  const orm = await migratedOrm({ DB_PATH: path });
  const raw = new RawSqlite(path);
  const db = raw.db;
  // Seeding has its own connection: a page cache large enough for the indexes it grows (SQLite's default is 2 MiB,
  // which made a 1M-row load spend minutes re-reading index pages), without giving the measured raw connection a
  // cache the services' connections do not have.
  const seeder = openSqlite(path);
  seeder.pragma('busy_timeout = 5000');
  seeder.pragma('cache_size = -262144');
  const insUser = seeder.prepare('insert into contractdesk_users (id, username, email, role, created_at) values (?, ?, ?, ?, ?)');
  const insContract = seeder.prepare(
    "insert into contractdesk_contracts (id, title, client_id, freelancer_id, amount, status, currency, version, created_at, updated_at) values (?, ?, ?, ?, ?, 'draft', 'XLM', 1, ?, ?)",
  );
  const reset = db.prepare("update contractdesk_contracts set status = 'draft', version = 1 where id = ?");
  return {
    dialect: 'sqlite',
    variants: { raw, services: new ServicesImpl(orm) },
    settings: { sqlite: String(db.prepare('select sqlite_version()').pluck().get()), file: 'temp file (os.tmpdir), WAL, synchronous NORMAL' },
    async insertUsers(from, to) {
      seeder.transaction(() => {
        for (let j = from; j < to; j++) {
          for (const [n, role] of [[2 * j, 'client'], [2 * j + 1, 'freelancer']] as const) {
            const u = userRow(n, role, BASE_MS + j);
            insUser.run(u.id, u.username, u.email, u.role, u.createdAt);
          }
        }
      }).immediate();
    },
    async insertContracts(rows) {
      seeder.transaction(() => {
        // In key order, so each batch walks the primary-key index once instead of touching a random page per row.
        for (const r of [...rows].sort((a, b) => (a.id < b.id ? -1 : 1))) insContract.run(r.id, r.title, r.clientId, r.freelancerId, BigInt(r.amount), r.createdAt, r.createdAt);
      }).immediate();
    },
    async analyze() {
      seeder.exec('analyze');
      seeder.pragma('wal_checkpoint(TRUNCATE)');
    },
    async resetToDraft(ids) {
      db.transaction(() => ids.forEach((id) => reset.run(id))).immediate();
    },
    async bytes() {
      return [path, `${path}-wal`].filter(existsSync).reduce((a, f) => a + statSync(f).size, 0);
    },
    async close() {
      seeder.close();
      await raw.close();
      await orm.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresTarget(): Promise<Target> {
  const db = await throwawayPgDatabase('scale');
  try {
    const url = db.url;
    const orm = await migratedOrm({ DATABASE_URL: url, DB_POOL_MAX: '4' });
    const side = new Client({ connectionString: url });
    await side.connect();
    const show = async (s: string) => String((await side.query(`show ${s}`)).rows[0][s]);
    const settings: Record<string, string> = { server: String((await side.query('select version() v')).rows[0].v).split(' on ')[0] };
    for (const s of ['shared_buffers', 'work_mem', 'effective_cache_size', 'random_page_cost', 'synchronous_commit']) settings[s] = await show(s);
    const raw = new RawPg(url, 4);
    return {
      dialect: 'postgresql',
      variants: { raw, services: new ServicesImpl(orm) },
      settings,
      async insertUsers(from, to) {
        const rows = [];
        for (let j = from; j < to; j++) rows.push(userRow(2 * j, 'client', BASE_MS + j), userRow(2 * j + 1, 'freelancer', BASE_MS + j));
        await side.query(
          'insert into contractdesk_users (id, username, email, role, created_at) select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])',
          [rows.map((r) => r.id), rows.map((r) => r.username), rows.map((r) => r.email), rows.map((r) => r.role), rows.map((r) => new Date(r.createdAt).toISOString())],
        );
      },
      async insertContracts(rows) {
        await side.query('begin');
        try {
          // One statement per 10k rows: its arrays are ~1 MB, and a row costs no placeholder.
          for (let i = 0; i < rows.length; i += 10_000) {
            const part = rows.slice(i, i + 10_000);
            await side.query(
              `insert into contractdesk_contracts (id, title, client_id, freelancer_id, amount, status, currency, version, created_at, updated_at)
               select id, title, client_id, freelancer_id, amount, 'draft', 'XLM', 1, created_at, created_at
               from unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::bigint[], $6::timestamptz[]) as t(id, title, client_id, freelancer_id, amount, created_at)`,
              [part.map((r) => r.id), part.map((r) => r.title), part.map((r) => r.clientId), part.map((r) => r.freelancerId), part.map((r) => r.amount), part.map((r) => new Date(r.createdAt).toISOString())],
            );
          }
          await side.query('commit');
        } catch (error) {
          await side.query('rollback').catch(() => undefined);
          throw error;
        }
      },
      async analyze() {
        await side.query('analyze');
      },
      async resetToDraft(ids) {
        await side.query("update contractdesk_contracts set status = 'draft', version = 1 where id = any($1::uuid[])", [ids]);
      },
      async bytes() {
        return Number((await side.query('select pg_database_size(current_database()) s')).rows[0].s);
      },
      async close() {
        await raw.close();
        await orm.close();
        await side.end();
        await db.drop();
      },
    };
  } catch (error) {
    await db.drop().catch(() => undefined);
    throw error;
  }
}

/** Grows the target from `from` to `to` contracts; the same rows on every dialect (one PRNG sequence per run). */
async function grow(target: Target, from: number, to: number, random: () => number): Promise<void> {
  const clientsBefore = clientsFor(from);
  const clientsNow = clientsFor(to);
  await target.insertUsers(clientsBefore, clientsNow);
  const BATCH = 100_000;
  for (let start = from; start < to; start += BATCH) {
    const rows: ContractSeed[] = [];
    for (let g = start; g < Math.min(to, start + BATCH); g++) {
      rows.push({
        id: contractId(g),
        title: `Contract ${g}: logo, it's "quoted"`,
        // Any client that exists by now, old or new: the first clients keep accumulating contracts.
        clientId: clientId(Math.floor(random() * clientsNow)),
        freelancerId: freelancerId(Math.floor(random() * clientsNow)),
        amount: String(1_000_000 + g * 13),
        // Increasing with g, jittered: newer rows are newer, and no two share a timestamp.
        createdAt: BASE_MS + g * SPACING_MS + Math.floor(random() * (SPACING_MS / 2)),
      });
    }
    await target.insertContracts(rows);
  }
  await target.analyze();
}

class CheckFailed extends Error {}
function check(ok: boolean, what: string): void {
  if (!ok) throw new CheckFailed(what);
}

/** One timed loop of one workload through one variant, on ids or clients drawn across the whole table. */
async function cell(target: Target, variant: Variant, w: ScaleWorkload, size: number, random: () => number, seconds: number): Promise<Measurement> {
  const impl = target.variants[variant];
  const where = `${target.dialect}/${size}/${variant}/${w}`;
  (globalThis as { gc?: () => void }).gc?.();
  const until = () => performance.now() + seconds * 1000;
  if (w === 'W2') {
    const ids = Array.from({ length: MAX_OPS.W2 }, () => contractId(Math.floor(random() * size)));
    const read: string[] = [];
    const m = await timedLoop(async () => {
      const deadline = until();
      for (let i = 0; i < ids.length && (i === 0 || performance.now() < deadline); i += CHUNK) for (const r of await impl.w2(ids.slice(i, i + CHUNK))) read.push(r.id);
      return read.length;
    });
    read.forEach((id, i) => check(id === ids[i], `${where} read ${i}`));
    return m;
  }
  if (w === 'W3') {
    const picked = new Set<number>();
    while (picked.size < Math.min(MAX_OPS.W3, size)) picked.add(Math.floor(random() * size));
    const ids = [...picked].map(contractId);
    const versions: Array<number | 'conflict'> = [];
    const m = await timedLoop(async () => {
      const deadline = until();
      for (const id of ids) {
        if (versions.length >= CHUNK && performance.now() > deadline) break;
        versions.push(await impl.transition(id));
      }
      return versions.length;
    });
    check(versions.every((v) => v === 2), `${where} versions`);
    // Untimed: back to draft at version 1, so every cell transitions rows that look alike.
    await target.resetToDraft(ids.slice(0, versions.length));
    return m;
  }
  const clients = Array.from({ length: MAX_OPS.W4 }, () => clientId(Math.floor(random() * clientsFor(size))));
  const lists: string[][] = [];
  const m = await timedLoop(async () => {
    const deadline = until();
    for (const c of clients) {
      if (lists.length >= CHUNK && performance.now() > deadline) break;
      lists.push(await impl.list(c, LIST_LIMIT));
    }
    return lists.length;
  });
  // Untimed: the services' lists are the raw driver's (same rows, same order) for a sample of clients.
  if (variant !== 'raw') {
    for (let i = 0; i < Math.min(lists.length, 50); i++) {
      const want = await target.variants.raw.list(clients[i], LIST_LIMIT);
      check(want.length > 0 && want.length === lists[i].length && want.every((id, j) => id === lists[i][j]), `${where} list ${i}`);
    }
  }
  return m;
}

const label = (n: number) => (n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : String(n));
const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const usPerOp = (ms: Measurement[]) => 1e6 / median(ms.map((m) => m.ops));

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_SCALE_SIZES ?? '10000,100000,1000000')
    .split(',')
    .map(Number)
    .sort((a, b) => a - b);
  if (sizes.some((s) => !Number.isInteger(s) || s < 1000)) throw new Error('BENCH_SCALE_SIZES: integers ≥ 1000');
  const dialects = (process.env.BENCH_DIALECTS ?? 'sqlite,postgresql').split(',') as Dialect[];
  const rounds = Number(process.env.BENCH_SCALE_ROUNDS ?? 3);
  const cellSeconds = Number(process.env.BENCH_CELL_SECONDS ?? 1.5);
  const out = process.env.BENCH_OUT ?? join(projectRoot, 'bench', 'SCALE-RESULTS.md');
  const env = await environment();
  const started = Date.now();
  log(`bench:scale: sizes ${sizes.map(label).join(', ')}, ${dialects.join('+')}, ${rounds} rounds × ${cellSeconds}s cells; load ${env.loadBefore}`);

  const results: Results = new Map();
  const stages = new Map<Dialect, Stage[]>();
  const settings = new Map<Dialect, Record<string, string>>();
  const unavailable: string[] = [];
  for (const dialect of dialects) {
    let target: Target;
    try {
      target = dialect === 'sqlite' ? await sqliteTarget() : await postgresTarget();
    } catch (error) {
      if (dialect === 'postgresql' && process.env.BENCH_REQUIRE_PG !== 'true') {
        unavailable.push(`PostgreSQL skipped: ${(error as Error).message}`);
        log(unavailable[unavailable.length - 1]);
        continue;
      }
      throw error;
    }
    settings.set(dialect, target.settings);
    try {
      // Same seed on every dialect: the same rows, ids and draws.
      const seedRandom = prng(22);
      const drawRandom = prng(2222);
      let size = 0;
      for (const next of sizes) {
        const t0 = performance.now();
        await grow(target, size, next, seedRandom);
        size = next;
        const stage = { size, seedSeconds: (performance.now() - t0) / 1000, bytes: await target.bytes() };
        (stages.get(dialect) ?? stages.set(dialect, []).get(dialect)!).push(stage);
        log(`${dialect} ${label(size)}: seeded in ${stage.seedSeconds.toFixed(1)}s, ${(stage.bytes / 2 ** 20).toFixed(0)} MiB`);
        // Warm-up (JIT, statement caches) at the first size only; untimed.
        if (size === sizes[0]) for (const v of VARIANTS) for (const w of WORKLOADS) await cell(target, v, w, size, drawRandom, Math.min(0.3, cellSeconds));
        for (let round = 0; round < rounds; round++) {
          // Alternating which variant goes first spreads the machine's drift over both.
          for (const v of round % 2 ? [...VARIANTS].reverse() : VARIANTS) {
            const line: string[] = [];
            for (const w of WORKLOADS) {
              const m = await cell(target, v, w, size, drawRandom, cellSeconds);
              (results.get(key(dialect, size, v, w)) ?? results.set(key(dialect, size, v, w), []).get(key(dialect, size, v, w))!).push(m);
              line.push(`${w} ${fmt(m.ops).padStart(7)}/s`);
            }
            log(`${dialect.padEnd(10)} ${label(size).padStart(5)} round ${round + 1} ${v.padEnd(8)} ${line.join('  ')}`);
          }
        }
      }
    } finally {
      await target.close().catch((e) => log(`close ${dialect}: ${e}`));
    }
  }
  env.loadAfter = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  const report = render({ sizes, dialects: dialects.filter((d) => stages.has(d)), rounds, cellSeconds, results, stages, settings, env, unavailable, seconds: (Date.now() - started) / 1000 });
  writeFileSync(out, report);
  log(`\n${report}\nwritten to ${out}`);
}

interface RenderInput {
  sizes: number[];
  dialects: Dialect[];
  rounds: number;
  cellSeconds: number;
  results: Results;
  stages: Map<Dialect, Stage[]>;
  settings: Map<Dialect, Record<string, string>>;
  env: Env;
  unavailable: string[];
  seconds: number;
}

function render(r: RenderInput): string {
  const small = r.sizes[0];
  const large = r.sizes[r.sizes.length - 1];
  const get = (d: Dialect, s: number, v: Variant, w: ScaleWorkload) => r.results.get(key(d, s, v, w)) ?? [];
  const lines: string[] = [];
  lines.push('# ContractDesk scale benchmark (issue 22: cost as data grows)', '');
  if (process.env.BENCH_NOTE) lines.push(`> ${process.env.BENCH_NOTE}`, '');
  lines.push(
    `Generated by \`npm run bench:scale\` (bench/scale.ts) on ${r.env.when}, ${r.seconds.toFixed(0)} s. ${r.rounds} rounds per size, each a ${r.cellSeconds} s loop per workload and variant (raw and services alternate which goes first); medians of the rounds.`,
    `Machine: ${r.env.nproc} CPUs (${r.env.cpu}), ${r.env.memGiB} GiB, Node ${r.env.node}; load average ${r.env.loadBefore} before, ${r.env.loadAfter} after.`,
    `Versions: ${Object.entries(r.env.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    '',
    `Target: per-operation cost of ContractDesk's services at ${label(large)} contracts within ${TARGET_RATIO}× of ${label(small)}. µs/op is wall time per operation (1e6 / ops/s); the raw driver on the same database shows what the database itself costs at each size.`,
    '',
    `## Summary: ${label(large)} vs ${label(small)}`,
    '',
    `| dialect | workload | services µs/op ${r.sizes.map(label).join(' / ')} | services ${label(large)}/${label(small)} | target ≤ ${TARGET_RATIO}× | raw µs/op ${r.sizes.map(label).join(' / ')} | raw ${label(large)}/${label(small)} |`,
    '|---|---|---|---|---|---|---|',
  );
  for (const d of r.dialects) {
    for (const w of WORKLOADS) {
      const us = (v: Variant) => r.sizes.map((s) => (get(d, s, v, w).length ? usPerOp(get(d, s, v, w)) : NaN));
      const sv = us('services');
      const rv = us('raw');
      const sRatio = sv[sv.length - 1] / sv[0];
      const rRatio = rv[rv.length - 1] / rv[0];
      lines.push(
        `| ${d} | ${w} | ${sv.map(fmt).join(' / ')} | ${sRatio.toFixed(2)}× | ${Number.isFinite(sRatio) ? (sRatio <= TARGET_RATIO ? 'met' : '**not met**') : '–'} | ${rv.map(fmt).join(' / ')} | ${rRatio.toFixed(2)}× |`,
      );
    }
  }
  lines.push('', '## Every cell', '', '| dialect | workload | contracts | variant | ops/s (median; min–max) | µs/op | CPU µs/op (this process) | services/raw |', '|---|---|---|---|---|---|---|---|');
  for (const d of r.dialects) {
    for (const w of WORKLOADS) {
      for (const s of r.sizes) {
        for (const v of VARIANTS) {
          const ms = get(d, s, v, w);
          if (!ms.length) continue;
          const ops = ms.map((m) => m.ops);
          const rawOps = median(get(d, s, 'raw', w).map((m) => m.ops));
          const cpu = median(ms.map((m) => m.cpuUs ?? NaN));
          lines.push(
            `| ${d} | ${w} | ${label(s)} | ${v} | ${fmt(median(ops))} (${fmt(Math.min(...ops))}–${fmt(Math.max(...ops))}) | ${fmt(1e6 / median(ops))} | ${fmt(cpu)} | ${v === 'raw' ? '' : `${(median(ops) / rawOps).toFixed(2)}×`} |`,
          );
        }
      }
    }
  }
  lines.push('', 'Workloads:', ...WORKLOADS.map((w) => `- ${w}: ${WORKLOAD_TITLES[w]}`), '');
  lines.push(
    '## Data and databases',
    '',
    `Contracts get increasing, jittered created_at (${SPACING_MS / 1000} s apart) and random UUIDs; a new client (and a new freelancer) joins per ${CONTRACTS_PER_NEW_CLIENT} contracts, and each contract goes to any client that exists by then, so a client holds ~50–600 contracts at every size. W2 reads and W3 transitions ids drawn uniformly from the whole table (W3 rows are put back to draft, untimed, after each loop); W4 lists a uniformly drawn client's newest ${LIST_LIMIT}. Seeding runs through the raw driver (SQLite: prepared inserts, one transaction per 100k rows; PostgreSQL: insert … select from unnest() arrays, 10k rows a statement), then ANALYZE.`,
    '',
    '| dialect | contracts | seeding (s) | database size |',
    '|---|---|---|---|',
  );
  for (const d of r.dialects) for (const st of r.stages.get(d) ?? []) lines.push(`| ${d} | ${label(st.size)} | ${st.seedSeconds.toFixed(1)} | ${(st.bytes / 2 ** 20).toFixed(0)} MiB |`);
  lines.push('');
  for (const d of r.dialects) {
    lines.push(
      `- ${d}: ${Object.entries(r.settings.get(d) ?? {})
        .map(([k, v]) => `${k} ${v}`)
        .join('; ')}`,
    );
  }
  for (const u of r.unavailable) lines.push(`- ${u}`);
  lines.push('');
  return lines.join('\n');
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench:scale failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
