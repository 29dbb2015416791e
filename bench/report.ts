import { cpus, loadavg, totalmem } from 'node:os';
import { execSync } from 'node:child_process';
import type { Sizes } from './data';
import type { ImplName } from './impl/types';
import type { MemoryReport } from './memory';
import { WORKLOAD_TITLES, type WorkloadName } from './workloads';
import { betterSqlite3Package } from 'contractdesk/internal';

export interface Cell {
  dialect: string;
  workload: WorkloadName;
  impl: ImplName;
  values: number[];
  ratios: number[];
  notes: string[];
  cpuUs: number[];
  counts: number[];
}

export interface Env {
  nproc: number;
  cpu: string;
  memGiB: string;
  node: string;
  versions: Record<string, string>;
  loadBefore: string;
  loadAfter?: string;
  when: string;
}

function version(pkg: string): string {
  try {
    return require(`${pkg}/package.json`).version;
  } catch {
    return '?';
  }
}

export async function environment(): Promise<Env> {
  let nproc = cpus().length;
  try {
    nproc = Number(execSync('nproc').toString().trim());
  } catch {
    /* cpus() is the fallback */
  }
  return {
    nproc,
    cpu: cpus()[0]?.model ?? '?',
    memGiB: (totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    versions: {
      '@mikro-orm/core': version('@mikro-orm/core'),
      // The build this Node loads (src/db/better-sqlite3.ts), not necessarily the one MikroORM pins.
      'better-sqlite3': version(betterSqlite3Package()),
      pg: version('pg'),
      knex: version('knex'),
      typescript: version('typescript'),
    },
    loadBefore: loadavg().map((x) => x.toFixed(2)).join(' '),
    when: new Date().toISOString(),
  };
}

export function median(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const ratio = (r: number[]) => (r.length ? `${median(r).toFixed(2)}×` : '–');

/**
 * Targets, as predicates on the median ratios to raw: issue 16's (every W1–W4 cell at or above TypeORM's ratio in
 * the same run; W3 ≥ 0.25× on SQLite and ≥ 0.7× on PostgreSQL; W1 at least plain MikroORM's), and issue 7's for W5.
 */
function targetFor(dialect: string, w: WorkloadName, services?: Cell, plain?: Cell, w3?: Cell, typeorm?: Cell): { text: string; met?: boolean } {
  if (!services) return { text: '' };
  const s = services.ratios.length ? median(services.ratios) : NaN;
  const p = plain?.ratios.length ? median(plain.ratios) : NaN;
  if (w === 'W6') return { text: 'none (new in issue 12; reference for later changes)' };
  if (w === 'W5') {
    if (dialect !== 'postgresql') return { text: 'zero lost updates (checked)', met: true };
    const seq = w3 ? median(w3.values) : NaN;
    // Two views of "throughput": committed transitions/s (strict: every commit also pays for a losing
    // attempt) and transactions executed/s (each attempt is a full transaction, like every W3 op).
    const attempts = median(services.notes.map((n) => Number(/^(\d+) attempts/.exec(n)?.[1] ?? NaN)));
    const committed = median(services.values);
    return {
      text: `> sequential W3 (${fmt(seq)}/s): committed ${fmt(committed)}/s ${committed > seq ? '>' : '≤'}; transactions ${fmt(attempts)}/s ${attempts > seq ? '>' : '≤'}; zero lost updates`,
      met: committed > seq ? true : attempts > seq ? undefined : false,
    };
  }
  const parts: string[] = [];
  let met = true;
  const atLeast = (label: string, min: number) => {
    parts.push(`≥ ${label}${Number.isFinite(min) ? ` (${min.toFixed(2)}×)` : ' (not run)'}`);
    met = met && Number.isFinite(min) && s >= min;
  };
  atLeast('TypeORM', typeorm?.ratios.length ? median(typeorm.ratios) : NaN);
  if (w === 'W3') atLeast('', dialect === 'postgresql' ? 0.7 : 0.25);
  if (w === 'W1') atLeast('plain', p);
  return { text: parts.join(', ').replace('≥  (', '≥ ').replace(/≥ (\d\.\d\d)×\)/, '≥ $1×'), met };
}

const LABELS: Record<ImplName, string> = {
  raw: 'raw',
  plain: 'plain MikroORM',
  services: 'services',
  'services-stock': 'services on stock PostgreSqlDriver',
  kysely: 'Kysely',
  drizzle: 'Drizzle',
  typeorm: 'TypeORM',
};

/**
 * services-stock against services, per workload of each dialect that ran both: the median (and range) of the
 * per-round ratios of their ops/s. Both run in every round, so round i of one pairs with round i of the other.
 */
function stockVsServices(cells: Cell[]): string[] {
  const out: string[] = [];
  for (const dialect of [...new Set(cells.map((c) => c.dialect))]) {
    const parts: string[] = [];
    for (const w of [...new Set(cells.filter((c) => c.dialect === dialect).map((c) => c.workload))]) {
      const get = (impl: ImplName) => cells.find((c) => c.dialect === dialect && c.workload === w && c.impl === impl);
      const services = get('services');
      const stock = get('services-stock');
      if (!services || !stock || services.values.length !== stock.values.length) continue;
      const r = stock.values.map((v, i) => v / services.values[i]);
      parts.push(`${w} ${median(r).toFixed(2)}×${r.length > 1 ? ` (${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)})` : ''}`);
    }
    if (parts.length) out.push(`- ${dialect}: ${parts.join(', ')}.`);
  }
  return out;
}

export interface ReportInput {
  /** The implementations run, in their interleaving order (the tables' columns). */
  impls: ImplName[];
  cells: Cell[];
  memory: MemoryReport[];
  env: Env;
  contexts: Array<{ dialect: string; settings: Record<string, string>; w5Shape: string }>;
  rounds: number;
  warmup: number;
  scale: number;
  cellSeconds: number;
  sizes: Sizes;
  seconds: number;
  unavailable: string[];
  /** Selected variants a database does not have, and why (services-stock on SQLite). */
  notRun?: Array<{ dialect: string; impl: ImplName; reason: string }>;
  /** Hand-written interpretation and profiles (bench/analysis.md), appended as is. */
  analysis?: string;
}

export function renderReport(input: ReportInput): string {
  const { cells, env } = input;
  const impls = input.impls;
  const lines: string[] = [];
  const peers = impls.filter((i) => i === 'kysely' || i === 'drizzle' || i === 'typeorm');
  const stock = impls.includes('services-stock');
  lines.push(`# Benchmark results: raw driver vs plain MikroORM vs ContractDesk services${stock ? ' (also on the stock PostgreSqlDriver)' : ''}${peers.length ? ` vs ${peers.map((i) => LABELS[i]).join(', ')}` : ''}`, '');
  lines.push(
    `Generated by \`npm run bench\` (compiled \`dist/bench/run.js\`) on ${env.when}; ${input.rounds} measured rounds after ${input.warmup} warm-up, ` +
      `interleaved ${impls.join(' → ')} per round; scale ${input.scale}; wall time ${input.seconds.toFixed(0)} s.`,
    '',
    'Each cell: median ops/s (min–max over rounds) and, in brackets, the median of the per-round ratios to the raw driver. ' +
      'Every round checks its results (row counts, amounts, versions, list order, W5 tallies); a failed check aborts the run.',
    '',
  );
  lines.push(`| DB | workload | ${impls.map((i) => LABELS[i]).join(' | ')} | target (services) | met |`, `|---|---|${impls.map(() => '---|').join('')}---|---|`);
  for (const dialect of [...new Set(cells.map((c) => c.dialect))]) {
    for (const w of [...new Set(cells.filter((c) => c.dialect === dialect).map((c) => c.workload))]) {
      const get = (impl: ImplName, wl = w) => cells.find((c) => c.dialect === dialect && c.workload === wl && c.impl === impl);
      const cell = (impl: ImplName) => {
        const c = get(impl);
        if (!c) return '–';
        const spread = `${fmt(Math.min(...c.values))}–${fmt(Math.max(...c.values))}`;
        return impl === 'raw' ? `${fmt(median(c.values))} (${spread})` : `${fmt(median(c.values))} (${spread}) [${ratio(c.ratios)}]`;
      };
      const t = targetFor(dialect, w, get('services'), get('plain'), get('services', 'W3'), get('typeorm'));
      lines.push(`| ${dialect} | ${w} ${WORKLOAD_TITLES[w]} | ${impls.map(cell).join(' | ')} | ${t.text} | ${t.met === undefined ? (w === 'W5' ? 'partly' : '') : t.met ? 'yes' : '**no**'} |`);
    }
  }
  if (stock) {
    const vs = stockVsServices(cells);
    if (vs.length) {
      lines.push(
        '',
        "services on MikroORM's stock PostgreSqlDriver relative to services on ContractDesk's driver (the cost of embedding in a host's ORM: stock driver, useBatchUpdates on; " +
          'median of the per-round ratios of ops/s, range in brackets; below 1× is slower):',
        '',
        ...vs,
      );
    }
  }
  for (const n of input.notRun ?? []) lines.push('', `${LABELS[n.impl]} (\`${n.impl}\`) not run on ${n.dialect}: ${n.reason}.`);
  lines.push('', `Operations done per round (a timed loop stops at its full count or after ${input.cellSeconds} s): `);
  lines.push(
    cells
      .filter((c) => c.counts.length && c.workload !== 'W1')
      .map((c) => `${c.dialect} ${c.workload} ${c.impl} ${Math.min(...c.counts)}–${Math.max(...c.counts)}`)
      .join('; ') + '.',
  );
  lines.push('', 'Client-side CPU per operation in the bench process (µs, median over rounds; W1 per row). Less sensitive to other load on the machine than ops/s; on PostgreSQL the server\'s own CPU is not included:', '');
  lines.push(`| DB | workload | ${impls.map((i) => LABELS[i]).join(' | ')} |`, `|---|---|${impls.map(() => '---|').join('')}`);
  for (const dialect of [...new Set(cells.map((c) => c.dialect))]) {
    for (const w of [...new Set(cells.filter((c) => c.dialect === dialect && c.cpuUs.length).map((c) => c.workload))]) {
      const v = (impl: ImplName) => {
        const c = cells.find((x) => x.dialect === dialect && x.workload === w && x.impl === impl);
        return c?.cpuUs.length ? fmt(median(c.cpuUs)) : '–';
      };
      lines.push(`| ${dialect} | ${w} | ${impls.map(v).join(' | ')} |`);
    }
  }
  const w5notes = cells.filter((c) => c.workload === 'W5' && c.notes.length);
  if (w5notes.length) {
    lines.push('', 'W5 attempts per second (each attempt is its own transaction; of two racers on a contract one commits and the other gets a version conflict; a client takes no new contract after the cell budget), per round:', '');
    for (const c of w5notes) lines.push(`- ${c.dialect} ${c.impl}: ${c.notes.join(', ')}`);
  }
  lines.push('', '## Workloads', '');
  const s = input.sizes;
  lines.push(
    '- Variants: **raw** is the driver alone; **plain** is idiomatic MikroORM code (`em.fork()`, `findOne`, entity methods, `flush`, `transactional`) on MikroORM\'s stock transaction machinery (knex transactions; on PostgreSQL MikroORM\'s own driver, on SQLite the same pragmas and BEGIN IMMEDIATE as the services); **services** is ContractDesk\'s services on its own drivers (lean transactions, src/db/lean-transaction.ts).',
  );
  if (stock) {
    lines.push(
      "- **services on stock PostgreSqlDriver** (`services-stock`, PostgreSQL only): the same services code (bench/impl/orm.ts, ServicesImpl) on an ORM set up as a host embedding ContractDesk has it: MikroORM's own `PostgreSqlDriver` from @mikro-orm/postgresql instead of ContractDesk's driver, and MikroORM's default `useBatchUpdates: true` where ContractDesk's config turns it off " +
        '(`initOrm({ env, options: { driver: PostgreSqlDriver, useBatchUpdates: true } })`, checked at start with assertContractDeskReady as ContractDeskModule.forFeature does); same pool size, same checks per round as services (W5: zero lost updates). Its own pool, interleaved right after services.',
    );
  }
  if (peers.length) {
    lines.push(
      `- Peers (${peers.map((i) => LABELS[i]).join(', ')}): the same workloads, schema, data and checks through each library's idiomatic default path (bench/peers; the idiom per library is under "Peers" in the analysis below), on the same driver modules as raw.`,
    );
  }
  lines.push(
    `- W1: ${s.users} users + ${s.contracts} contracts in one transaction (ops = rows). raw: better-sqlite3 prepared INSERT per row / pg multi-row parameterized INSERTs of 1,000 rows; ORM: entities built by their validating constructors, persisted, then written by the one flush the transaction runs before COMMIT (useBatchInserts).`,
    `- W2: ${s.reads} point reads by id, each id once, shuffled; each result's id, title, amount (int64, some above 2^53), version, status and created_at checked. raw: better-sqlite3 prepared \`get\` / pg \`pool.query\` per read (acquire, query, release, as the services do per operation).`,
    `- W3: ${s.transitions} transitions draft→active on distinct contracts, each its own transaction: read, compare expectedVersion, UPDATE … WHERE id AND version; versions and row counts checked.`,
    `- W4: ${s.lists} × a client's contracts ordered by created_at desc, id desc, limit ${s.listLimit}; every list compared with the expected ids in order.`,
    `- W5: ${s.concurrent} further draft contracts; every contract is attempted by two clients at about the same moment (client k works on its own group and on group k+1 alternately). ` +
      'Checked: exactly one success and one conflict per contract, the database has each of them active at version 2 and no version above 2 (a lost version check would show extra successes or version 3). ops = committed transitions/s.',
    `- W6 (composition, issue 12): ${s.pairs} pairs of further draft contracts (disjoint from W3's and W5's); the caller opens ONE transaction and runs two draft→active transitions with the version check inside it, then commits (ops = caller transactions/s, 2 transitions each). ` +
      'raw: BEGIN (IMMEDIATE on SQLite), per contract SELECT + `update … where id = ? and version = ?`, COMMIT; plain: `em.fork().transactional()` loading both, changing them, flushed at commit; ' +
      'services: `orm.em.fork().transactional(async (em) => { const c = new ContractService(em); await c.transition(a, …); await c.transition(b, …); })`, the services joining the caller\'s transaction (REQUIRED). ' +
      'Checked: both versions returned are 2, every contract of the pairs done is active at version 2, and exactly those rows of W6\'s changed.',
  );
  lines.push('', '## Machine and settings', '');
  lines.push(
    `- Machine: ${env.nproc} cores (nproc), ${env.cpu}, ${env.memGiB} GiB RAM; shared with other sessions' test runs. Load average (1/5/15 min) before: ${env.loadBefore}, after: ${env.loadAfter ?? '?'}.`,
    `- Node ${env.node}; ${Object.entries(env.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
  );
  for (const c of input.contexts) {
    lines.push(`- ${c.dialect}: ${Object.entries(c.settings).map(([k, v]) => `${k}=${v}`).join('; ')}. W5: ${c.w5Shape}.`);
  }
  for (const u of input.unavailable) lines.push(`- ${u}`);
  if (input.memory.length) {
    lines.push('', '## Memory: W2 through one long-lived ContractService', '');
    lines.push('| DB | reads | heapUsed after GC, MiB: before, then after each tenth | reads/s | --expose-gc |', '|---|---|---|---|---|');
    for (const m of input.memory) {
      lines.push(`| ${m.dialect} | ${m.reads} | ${m.heapMiB.join(' → ')} | ${fmt(m.reads / m.seconds)} | ${m.gcExposed ? 'yes' : 'no (numbers include garbage)'} |`);
    }
  }
  if (input.analysis) lines.push('', input.analysis.trim());
  return `${lines.join('\n')}\n`;
}
