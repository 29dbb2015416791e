import type { Dataset } from './data';
import type { DialectContext } from './context';
import type { ImplName } from './impl/types';

export type WorkloadName = 'W1' | 'W2' | 'W3' | 'W4' | 'W5';
export const WORKLOADS: readonly WorkloadName[] = ['W1', 'W2', 'W3', 'W4', 'W5'];

export const WORKLOAD_TITLES: Record<WorkloadName, string> = {
  W1: 'bulk insert, one transaction (rows/s)',
  W2: 'point read by id (reads/s)',
  W3: 'transition draft→active, own tx + version check (tx/s)',
  W4: 'client contracts newest first, limit 20 (lists/s)',
  W5: 'concurrent transitions, 2 racing attempts per contract (committed tx/s)',
};

export interface Measurement {
  ops: number;
  seconds: number;
  /** CPU time of this process per operation (µs): less sensitive to a loaded machine than wall time. */
  cpuUs?: number;
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

/**
 * One round of every workload for one variant on one database, in order W1..W5 on freshly reset tables.
 * Every workload's result is checked after its timer stops; a failed check aborts the whole run.
 */
export async function runRound(ctx: DialectContext, name: ImplName, data: Dataset, only: Set<WorkloadName>): Promise<Partial<Record<WorkloadName, Measurement>>> {
  const impl = ctx.impls[name];
  const s = data.sizes;
  const out: Partial<Record<WorkloadName, Measurement>> = {};
  const where = `${ctx.dialect}/${name}`;
  await ctx.reset();

  out.W1 = await timed(s.users + s.contracts, () => impl.w1(data));
  check(Number(await ctx.scalar('select count(*) from users')) === s.users, `${where} W1 user count`);
  check(Number(await ctx.scalar('select count(*) from contracts')) === s.contracts, `${where} W1 contract count`);
  const expectedMod = data.contracts.reduce((a, c) => a + (c.amount % MOD), 0n);
  check((await ctx.scalar(`select sum(amount % ${MOD}) from contracts`)) === expectedMod.toString(), `${where} W1 amounts`);
  if (!only.has('W1')) delete out.W1;

  if (only.has('W2')) {
    let rows: Awaited<ReturnType<typeof impl.w2>> = [];
    out.W2 = await timed(data.readIds.length, async () => void (rows = await impl.w2(data.readIds)));
    check(rows.length === data.readIds.length, `${where} W2 row count`);
    rows.forEach((r, i) => {
      const want = data.byId.get(data.readIds[i])!;
      check(r.id === want.id && r.amount === want.amount && r.title === want.title && r.version === 1 && r.status === 'draft' && r.createdAt instanceof Date && r.createdAt.getTime() === want.createdAt.getTime(), `${where} W2 row ${i}`);
    });
  }

  if (only.has('W3')) {
    const versions: Array<number | 'conflict'> = [];
    out.W3 = await timed(data.transitionIds.length, async () => {
      for (const id of data.transitionIds) versions.push(await impl.transition(id));
    });
    check(versions.every((v) => v === 2), `${where} W3 returned versions`);
    const done = Number(await ctx.scalar(`select count(*) from contracts where status = 'active' and version = 2`));
    check(done === data.transitionIds.length, `${where} W3 rows transitioned (${done})`);
  }

  if (only.has('W4')) {
    const lists: string[][] = [];
    out.W4 = await timed(data.listClients.length, async () => {
      for (const clientId of data.listClients) lists.push(await impl.list(clientId, s.listLimit));
    });
    lists.forEach((ids, i) => {
      const want = data.expectedLists.get(data.listClients[i])!;
      check(ids.length === want.length && ids.every((id, j) => id === want[j]), `${where} W4 list ${i}`);
    });
  }

  if (only.has('W5')) {
    const before = Number(await ctx.scalar(`select count(*) from contracts where status = 'active'`));
    const ids = data.concurrentIds;
    const start = process.hrtime.bigint();
    const tally = await ctx.w5(name, ids);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    check(tally.errors.length === 0, `${where} W5 errors: ${tally.errors.slice(0, 3).join(' | ')}`);
    // Lost-update check: each contract committed exactly once, the racing attempt saw a conflict,
    // and the database agrees (a lost version check would show versions above 2 or extra successes).
    check(tally.ok === ids.length && tally.conflicts === ids.length, `${where} W5 ok=${tally.ok} conflicts=${tally.conflicts} of ${ids.length}`);
    const after = Number(await ctx.scalar(`select count(*) from contracts where status = 'active' and version = 2`));
    check(after - before === ids.length, `${where} W5 rows transitioned (${after - before})`);
    check(Number(await ctx.scalar('select count(*) from contracts where version > 2')) === 0, `${where} W5 versions above 2`);
    out.W5 = { ops: ids.length / seconds, seconds, note: `${((2 * ids.length) / seconds).toFixed(0)} attempts/s` };
  }
  return out;
}
