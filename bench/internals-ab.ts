import 'reflect-metadata';
import { AbstractSqlDriver } from '@mikro-orm/knex';
import { type ContractDeskOrm, initOrm } from 'contractdesk';
import { type DialectContext, postgresContext, sqliteContext } from './context';
import { generate, sizes } from './data';
import { ServicesImpl } from './impl/orm';
import type { ImplName } from './impl/types';
import { type WorkloadName, runRound } from './workloads';

/**
 * Development aid (not part of `npm run bench`): what each of the data layer's remaining uses of MikroORM's and
 * knex's unexported members buys, measured by turning it off in one ORM (falling back to MikroORM's public path)
 * and running the bench's own W1–W4 rounds on it and on an untouched ORM side by side, interleaved, on the same
 * database. Prints, per variant and cell, the median over rounds of (variant ops/s ÷ services ops/s) and of the
 * client CPU per operation (services ÷ variant): below 1×, the internal earns that much. Env: AB_DIALECTS (sqlite,postgresql), AB_ROUNDS (5), AB_VARIANTS (all),
 * BENCH_SCALE (0.5), BENCH_CELL_SECONDS (1).
 * Run: npm run build && node --expose-gc dist/bench/internals-ab.js
 */
type Toggle = (orm: ContractDeskOrm) => void;

interface SqlConnectionShape {
  leanQuery?: unknown;
}

function connections(orm: ContractDeskOrm): object[] {
  const driver = orm.em.getDriver();
  return [...new Set([driver.getConnection('write'), driver.getConnection('read')])];
}

/** The class MikroORM's connection class that the lean-transaction mixin extends (its prototype holds the stock methods). */
function stockConnectionPrototype(connection: object): Record<string, unknown> {
  // instance → driver's connection class → withLeanTransactions' class → the stock (or pragma) connection
  return Object.getPrototypeOf(Object.getPrototypeOf(Object.getPrototypeOf(connection))) as Record<string, unknown>;
}

const TOGGLES: Record<string, Toggle> = {
  /** Lean reads → `Connection.execute` (knex's pool and query runner, values inlined): W2, W4, and W3's read. */
  'public-reads': (orm) => {
    for (const c of connections(orm)) (c as SqlConnectionShape).leanQuery = undefined;
  },
  /** Lean transactions → knex's transactions (MikroORM's own begin/commit/rollback/execute): W1, W3. */
  'knex-transactions': (orm) => {
    for (const c of connections(orm)) {
      const stock = stockConnectionPrototype(c);
      for (const m of ['transactional', 'begin', 'commit', 'rollback', 'execute']) (c as Record<string, unknown>)[m] = stock[m];
    }
  },
  /** Planned insert/update → MikroORM's nativeInsertMany / nativeUpdate (QueryBuilder): W1, W3. */
  'stock-statements': (orm) => {
    const driver = orm.em.getDriver() as unknown as Record<string, unknown>;
    const stock = AbstractSqlDriver.prototype as unknown as Record<string, unknown>;
    driver.nativeUpdate = stock.nativeUpdate;
    driver.nativeInsertMany = stock.nativeInsertMany;
  },
};

async function variantOrm(ctx: DialectContext): Promise<ContractDeskOrm> {
  const base = (ctx.impls.services as ServicesImpl).orm;
  const env =
    ctx.dialect === 'sqlite'
      ? { DB_PATH: String(base.config.get('dbName')) }
      : { DATABASE_URL: String(base.config.get('clientUrl')), DB_POOL_MAX: '16' };
  return initOrm({ env, log: () => undefined });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  const dialects = (process.env.AB_DIALECTS ?? 'sqlite,postgresql').split(',');
  const rounds = Number(process.env.AB_ROUNDS ?? 5);
  const variants = process.env.AB_VARIANTS?.split(',') ?? Object.keys(TOGGLES);
  const data = generate(sizes(Number(process.env.BENCH_SCALE ?? 0.5)));
  const cellSeconds = Number(process.env.BENCH_CELL_SECONDS ?? 1);
  const only = new Set<WorkloadName>(['W1', 'W2', 'W3', 'W4']);
  for (const dialect of dialects) {
    const ctx = dialect === 'sqlite' ? await sqliteContext(1) : await postgresContext(16);
    try {
      const impls = ctx.impls as unknown as Record<string, ServicesImpl>;
      for (const name of variants) {
        const orm = await variantOrm(ctx);
        TOGGLES[name](orm);
        impls[name] = new ServicesImpl(orm);
      }
      const ratios = new Map<string, number[]>();
      const cpuRatios = new Map<string, number[]>();
      for (let round = -1; round < rounds; round++) {
        // Rotate the order each round, so no variant always runs first after a reset or last before one.
        const order = ['services', ...variants];
        for (let k = 0; k < (round + 1) % order.length; k++) order.push(order.shift()!);
        const ops: Record<string, Partial<Record<WorkloadName, number>>> = {};
        const cpu: Record<string, Partial<Record<WorkloadName, number>>> = {};
        for (const name of order) {
          const result = await runRound(ctx, name as ImplName, data, only, cellSeconds);
          ops[name] = Object.fromEntries(Object.entries(result).map(([w, m]) => [w, m!.ops]));
          cpu[name] = Object.fromEntries(Object.entries(result).map(([w, m]) => [w, m!.cpuUs!]));
        }
        if (round < 0) continue; // warm-up
        for (const name of variants) {
          for (const w of only) {
            const key = `${name} ${w}`;
            ratios.set(key, [...(ratios.get(key) ?? []), ops[name][w]! / ops.services[w]!]);
            // Client CPU per operation, services ÷ variant: the same direction as ops/s, less swayed by other load.
            cpuRatios.set(key, [...(cpuRatios.get(key) ?? []), cpu.services[w]! / cpu[name][w]!]);
          }
        }
        console.log(`${dialect} round ${round + 1} done`);
      }
      for (const name of variants) {
        for (const [what, source] of [['ops/s', ratios], ['cpu', cpuRatios]] as const) {
          const cells = [...only].map((w) => {
            const r = source.get(`${name} ${w}`)!;
            return `${w} ${median(r).toFixed(2)}× (${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)})`;
          });
          console.log(`${dialect.padEnd(10)} ${name.padEnd(18)} ${what.padEnd(6)} ${cells.join('  ')}`);
        }
      }
    } finally {
      await ctx.close();
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
