import 'reflect-metadata';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot as projectRoot } from '../apps/server/src/paths';
import { generate, sizes } from './data';
import { type DialectContext, postgresContext, sqliteContext } from './context';
import { IMPLS, type ImplName, PEERS, type PeerName } from './impl/types';
import { peerVersions, preparePeers } from './peers-loader';
import { type Measurement, WORKLOADS, type WorkloadName, runRound } from './workloads';
import { type MemoryReport, memoryCheck } from './memory';
import { type Cell, environment, renderReport } from './report';

/**
 * `npm run bench`: the same workloads on the same data through the raw driver, plain MikroORM, our
 * services (on ContractDesk's drivers; on PostgreSQL also `services-stock`, the same services on MikroORM's stock
 * PostgreSqlDriver with useBatchUpdates on, as a host embeds them) and the peers (Kysely, Drizzle, TypeORM from
 * bench/peers, installed on first use), on SQLite and PostgreSQL, in interleaved rounds. Writes bench/RESULTS.md.
 *
 * Env: BENCH_ROUNDS (default 5, plus BENCH_WARMUP=1 untimed), BENCH_SCALE (default 1), BENCH_DIALECTS
 * (sqlite,postgresql), BENCH_IMPLS (raw,plain,services,services-stock,kysely,drizzle,typeorm; ratios need raw; services-stock is PostgreSQL only), BENCH_PEERS_INSTALL (0: do not install bench/peers when missing), BENCH_WORKLOADS (W1..W6), BENCH_MEM_READS
 * (100000; 0 skips the heap check), BENCH_CELL_SECONDS (2: budget per timed loop), BENCH_OUT (where the report goes; default bench/RESULTS.md), BENCH_SERVICES_READS
 * (entities: W2/W4 through the entity-returning get/listForClient instead of the read models).
 */
async function main(): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const warmup = Number(process.env.BENCH_WARMUP ?? 1);
  const scale = Number(process.env.BENCH_SCALE ?? 1);
  const dialects = (process.env.BENCH_DIALECTS ?? 'sqlite,postgresql').split(',');
  let impls = (process.env.BENCH_IMPLS?.split(',') as ImplName[] | undefined) ?? [...IMPLS];
  const unknown = impls.filter((i) => !IMPLS.includes(i));
  if (unknown.length) throw new Error(`BENCH_IMPLS: unknown ${unknown.join(', ')} (known: ${IMPLS.join(', ')})`);
  const isPeer = (i: ImplName): i is PeerName => (PEERS as readonly string[]).includes(i);
  const peerNames = impls.filter(isPeer);
  const peersModule = peerNames.length ? preparePeers(log) : undefined;
  if (peerNames.length && !peersModule) {
    // Asked for by name: fail; by default: run without them (preparePeers said how to get them).
    if (process.env.BENCH_IMPLS) throw new Error(`BENCH_IMPLS asks for ${peerNames.join(', ')}, which could not be loaded`);
    impls = impls.filter((i) => !isPeer(i));
  }
  const peers = { names: peerNames, module: peersModule };
  const only = new Set((process.env.BENCH_WORKLOADS?.split(',') as WorkloadName[] | undefined) ?? WORKLOADS);
  const memReads = Number(process.env.BENCH_MEM_READS ?? 100_000);
  const cellSeconds = Number(process.env.BENCH_CELL_SECONDS ?? 2);
  const out = process.env.BENCH_OUT ?? join(projectRoot, 'bench', 'RESULTS.md');
  const data = generate(sizes(scale));
  const warmData = generate(sizes(Math.min(scale, 0.1)));
  const started = Date.now();
  const env = await environment();
  if (peersModule) Object.assign(env.versions, peerVersions());
  log(`bench: ${rounds} rounds (+${warmup} warm-up), scale ${scale}, ${dialects.join('+')}, ${impls.join('/')}; load ${env.loadBefore}`);

  const contexts: DialectContext[] = [];
  const unavailable: string[] = [];
  try {
    const servicesStock = impls.includes('services-stock');
    if (dialects.includes('sqlite')) contexts.push(await sqliteContext(4, peers, servicesStock));
    if (dialects.includes('postgresql')) {
      try {
        contexts.push(await postgresContext(16, peers, servicesStock));
      } catch (error) {
        if (process.env.CI === 'true' && process.env.BENCH_REQUIRE_PG === 'true') throw error;
        unavailable.push(`PostgreSQL skipped: ${(error as Error).message}`);
        log(unavailable[unavailable.length - 1]);
      }
    }
    // samples[dialect][workload][impl] = ops/s per measured round
    const samples = new Map<string, Map<WorkloadName, Map<ImplName, number[]>>>();
    const notes = new Map<string, string[]>();
    const cpu = new Map<string, number[]>();
    const counts = new Map<string, number[]>();
    const notRun = contexts.flatMap((ctx) => impls.filter((impl) => ctx.notRun[impl]).map((impl) => ({ dialect: ctx.dialect, impl, reason: ctx.notRun[impl]! })));
    for (const n of notRun) log(`${n.impl} not run on ${n.dialect}: ${n.reason}`);
    for (let round = 0; round < warmup + rounds; round++) {
      for (const ctx of contexts) {
        for (const impl of impls) {
          if (ctx.notRun[impl]) continue;
          // Warm-up (JIT) on a tenth of the data, so it costs little.
          const result = await runRound(ctx, impl, round < warmup ? warmData : data, only, cellSeconds);
          const tag = round < warmup ? 'warm-up' : `round ${round - warmup + 1}`;
          log(`${tag} ${ctx.dialect.padEnd(10)} ${impl.padEnd(14)} ${fmtRound(result)}`);
          if (round < warmup) continue;
          for (const [w, m] of Object.entries(result) as Array<[WorkloadName, Measurement]>) {
            const byW = samples.get(ctx.dialect) ?? samples.set(ctx.dialect, new Map()).get(ctx.dialect)!;
            const byImpl = byW.get(w) ?? byW.set(w, new Map()).get(w)!;
            (byImpl.get(impl) ?? byImpl.set(impl, []).get(impl)!).push(m.ops);
            if (m.cpuUs !== undefined) (cpu.get(`${ctx.dialect}/${w}/${impl}`) ?? cpu.set(`${ctx.dialect}/${w}/${impl}`, []).get(`${ctx.dialect}/${w}/${impl}`)!).push(m.cpuUs);
            if (m.count !== undefined) (counts.get(`${ctx.dialect}/${w}/${impl}`) ?? counts.set(`${ctx.dialect}/${w}/${impl}`, []).get(`${ctx.dialect}/${w}/${impl}`)!).push(m.count);
            if (m.note) (notes.get(`${ctx.dialect}/${w}/${impl}`) ?? notes.set(`${ctx.dialect}/${w}/${impl}`, []).get(`${ctx.dialect}/${w}/${impl}`)!).push(m.note);
          }
        }
      }
    }
    const memory: MemoryReport[] = [];
    if (memReads > 0 && impls.includes('services')) {
      for (const ctx of contexts) {
        memory.push(await memoryCheck(ctx, data, memReads));
        log(`memory ${ctx.dialect}: ${JSON.stringify(memory[memory.length - 1])}`);
      }
    }
    const cells: Cell[] = [];
    for (const [dialect, byW] of samples) {
      for (const [workload, byImpl] of byW) {
        const raw = byImpl.get('raw');
        for (const [impl, values] of byImpl) {
          const ratios = raw ? values.map((v, i) => v / raw[i]) : [];
          cells.push({ dialect, workload, impl, values, ratios, notes: notes.get(`${dialect}/${workload}/${impl}`) ?? [], cpuUs: cpu.get(`${dialect}/${workload}/${impl}`) ?? [], counts: counts.get(`${dialect}/${workload}/${impl}`) ?? [] });
        }
      }
    }
    env.loadAfter = loadavg();
    const contextsInfo = contexts.map((c) => ({ dialect: c.dialect, settings: c.settings, w5Shape: c.w5Shape }));
    const report = renderReport({ impls, cells, memory, env, contexts: contextsInfo, rounds, warmup, scale, cellSeconds, sizes: data.sizes, seconds: (Date.now() - started) / 1000, unavailable, notRun, analysis: readAnalysis() });
    writeFileSync(out, report);
    log(`\n${report}\nwritten to ${out}`);
  } finally {
    for (const ctx of contexts) await ctx.close().catch((e) => log(`close ${ctx.dialect}: ${e}`));
  }
}

function readAnalysis(): string | undefined {
  const file = join(projectRoot, 'bench', 'analysis.md');
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

function loadavg(): string {
  return require('node:os')
    .loadavg()
    .map((x: number) => x.toFixed(2))
    .join(' ');
}

function fmtRound(r: Partial<Record<WorkloadName, Measurement>>): string {
  return (Object.entries(r) as Array<[WorkloadName, Measurement]>).map(([w, m]) => `${w} ${m.ops.toFixed(0).padStart(7)}/s`).join('  ');
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
