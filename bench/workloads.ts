import type { Dataset } from './data';
import type { DialectContext } from './context';
import type { ImplName } from './impl/types';

export type WorkloadName = 'W1' | 'W2' | 'W3' | 'W4' | 'W5' | 'W6';
export const WORKLOADS: readonly WorkloadName[] = ['W1', 'W2', 'W3', 'W4', 'W5', 'W6'];

export const WORKLOAD_TITLES: Record<WorkloadName, string> = {
  W1: 'bulk insert, one transaction (rows/s)',
  W2: 'point read by id (reads/s)',
  W3: 'transition draft→active, own tx + version check (tx/s)',
  W4: 'client contracts newest first, limit 20 (lists/s)',
  W5: 'concurrent transitions, 2 racing attempts per contract (committed tx/s)',
  W6: 'composition: two transitions in one caller transaction (caller tx/s)',
};

export interface Measurement {
  ops: number;
  seconds: number;
  /** CPU time of this process per operation (µs): less sensitive to a loaded machine than wall time. */
  cpuUs?: number;
  /** Operations done (less than the workload's count when the cell budget ran out). */
  count?: number;
  note?: string;
}

class CheckFailed extends Error {}

function check(condition: boolean, what: string): void {
  if (!condition) throw new CheckFailed(what);
}

async function timed(ops: number, work: () => Promise<void>): Promise<Measurement> {
  // W1..W4 run in this process only, so its CPU time is the whole client-side cost.
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await work();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { ops: ops / seconds, seconds, cpuUs: (used.user + used.system) / ops };
}

const MOD = 1_000_003n;

/** Times `work`, which returns how many operations it did: ops/s by wall clock and CPU µs per operation. */
export async function timedLoop(work: () => Promise<number>): Promise<Measurement> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const ops = await work();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { ops: ops / seconds, seconds, cpuUs: (used.user + used.system) / ops, count: ops };
}

/**
 * One round of every workload for one variant on one database, in order W1..W6 on freshly reset tables.
 * Every workload's result is checked after its timer stops; a failed check aborts the whole run.
 */
export async function runRound(
  ctx: DialectContext,
  name: ImplName,
  data: Dataset,
  only: Set<WorkloadName>,
  cellSeconds: number,
): Promise<Partial<Record<WorkloadName, Measurement>>> {
  const impl = ctx.impls[name];
  if (!impl) throw new Error(`${ctx.dialect}: ${name} is not loaded`);
  const s = data.sizes;
  const out: Partial<Record<WorkloadName, Measurement>> = {};
  const where = `${ctx.dialect}/${name}`;
  await ctx.reset();

  // When W1 is not asked for (profiling one workload), the raw driver loads the data untimed.
  out.W1 = await timed(s.users + s.contracts, () => (only.has('W1') ? impl : ctx.impls.raw).w1(data));
  check(Number(await ctx.scalar('select count(*) from contractdesk_users')) === s.users, `${where} W1 user count`);
  check(Number(await ctx.scalar('select count(*) from contractdesk_contracts')) === s.contracts, `${where} W1 contract count`);
  const expectedMod = data.contracts.reduce((a, c) => a + (c.amount % MOD), 0n);
  check((await ctx.scalar(`select sum(amount % ${MOD}) from contractdesk_contracts`)) === expectedMod.toString(), `${where} W1 amounts`);
  if (!only.has('W1')) delete out.W1;

  // Each timed loop runs its full count or stops at the cell budget, whichever comes first (the slow
  // variants would otherwise make a full run take far longer than 10 minutes); ops/s uses the count done.
  const deadline = () => performance.now() + cellSeconds * 1000;
  const CHUNK = 100;

  if (only.has('W2')) {
    const rows: Awaited<ReturnType<typeof impl.w2>> = [];
    out.W2 = await timedLoop(async () => {
      const until = deadline();
      for (let i = 0; i < data.readIds.length && (i === 0 || performance.now() < until); i += CHUNK) rows.push(...(await impl.w2(data.readIds.slice(i, i + CHUNK))));
      return rows.length;
    });
    check(rows.length > 0, `${where} W2 nothing read`);
    rows.forEach((r, i) => {
      const want = data.byId.get(data.readIds[i])!;
      check(r.id === want.id && r.amount === want.amount && r.title === want.title && r.version === 1 && r.status === 'draft' && r.createdAt instanceof Date && r.createdAt.getTime() === want.createdAt.getTime(), `${where} W2 row ${i}`);
    });
  }

  if (only.has('W3')) {
    const versions: Array<number | 'conflict'> = [];
    out.W3 = await timedLoop(async () => {
      const until = deadline();
      for (const id of data.transitionIds) {
        if (versions.length >= CHUNK && performance.now() > until) break;
        versions.push(await impl.transition(id));
      }
      return versions.length;
    });
    check(versions.every((v) => v === 2), `${where} W3 returned versions`);
    const done = Number(await ctx.scalar(`select count(*) from contractdesk_contracts where status = 'active' and version = 2`));
    check(done === versions.length, `${where} W3 rows transitioned (${done} of ${versions.length})`);
  }

  if (only.has('W4')) {
    const lists: string[][] = [];
    out.W4 = await timedLoop(async () => {
      const until = deadline();
      for (const clientId of data.listClients) {
        if (lists.length >= CHUNK && performance.now() > until) break;
        lists.push(await impl.list(clientId, s.listLimit));
      }
      return lists.length;
    });
    lists.forEach((ids, i) => {
      const want = data.expectedLists.get(data.listClients[i])!;
      check(ids.length === want.length && ids.every((id, j) => id === want[j]), `${where} W4 list ${i}`);
    });
  }

  if (only.has('W5')) {
    const before = Number(await ctx.scalar(`select count(*) from contractdesk_contracts where status = 'active'`));
    const ids = data.concurrentIds;
    const start = process.hrtime.bigint();
    const tally = await ctx.w5(name, ids, Date.now() + cellSeconds * 1000);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    check(tally.errors.length === 0, `${where} W5 errors: ${tally.errors.slice(0, 3).join(' | ')}`);
    // Lost-update check: every success the clients saw is exactly one row at version 2, nothing went
    // above version 2, and a conflict only ever follows someone else's commit. A lost version check
    // would let both racers succeed: more successes than rows changed, or a row at version 3.
    const after = Number(await ctx.scalar(`select count(*) from contractdesk_contracts where status = 'active' and version = 2`));
    check(tally.ok > 0 && after - before === tally.ok, `${where} W5 successes ${tally.ok} vs rows transitioned ${after - before}`);
    check(tally.conflicts <= tally.ok, `${where} W5 conflicts ${tally.conflicts} without as many winners ${tally.ok}`);
    check(Number(await ctx.scalar('select count(*) from contractdesk_contracts where version > 2')) === 0, `${where} W5 versions above 2`);
    out.W5 = { ops: tally.ok / seconds, seconds, note: `${((tally.ok + tally.conflicts) / seconds).toFixed(0)} attempts/s (${tally.ok} won, ${tally.conflicts} lost the race)` };
  }
  if (only.has('W6')) {
    // Composition: the caller opens one transaction and runs two version-checked transitions inside it.
    const done: Array<[string, string]> = [];
    const versions: number[] = [];
    out.W6 = await timedLoop(async () => {
      const until = deadline();
      for (const [a, b] of data.pairIds) {
        if (done.length >= CHUNK && performance.now() > until) break;
        versions.push(...(await impl.transitionPair(a, b)));
        done.push([a, b]);
      }
      return done.length;
    });
    check(done.length > 0 && versions.length === 2 * done.length && versions.every((v) => v === 2), `${where} W6 returned versions`);
    // Every contract of every pair done is active at version 2 (both halves committed), and nothing else of W6's moved.
    const ids = done.flat();
    const inDone = Number(await ctx.scalar(`select count(*) from contractdesk_contracts where status = 'active' and version = 2 and id in (${ids.map((id) => `'${id}'`).join(', ')})`));
    check(inDone === ids.length, `${where} W6 rows transitioned in the pairs done (${inDone} of ${ids.length})`);
    const allPairs = data.pairIds.flat();
    const moved = Number(await ctx.scalar(`select count(*) from contractdesk_contracts where version <> 1 and id in (${allPairs.map((id) => `'${id}'`).join(', ')})`));
    check(moved === ids.length, `${where} W6 rows changed (${moved}) vs transitions done (${ids.length})`);
  }
  return out;
}
