import 'reflect-metadata';
import { createConfig, initOrm } from '../packages/contractdesk/src/config/orm-config';
import { ContractService } from '../packages/contractdesk/src/services/contract.service';
import type { RmwResult } from '../packages/contractdesk/test/concurrency/workers/rmw';
import { mergeResults } from '../packages/contractdesk/test/concurrency/workers/rmw';
import { makeContract } from '../packages/contractdesk/test/helpers/factories';
import { startPgBouncer } from '../packages/contractdesk/test/helpers/pgbouncer';
import { createTestDatabase, databaseUrl, dropTestDatabase } from '../packages/contractdesk/test/helpers/postgres';
import { spawnTs } from '../packages/contractdesk/test/helpers/processes';
import { startReplicaPair } from '../packages/contractdesk/test/helpers/replica';

/**
 * Scale figures for bench/RESULTS.md (issue 13), on the test PostgreSQL and throwaway servers:
 * 1) read-modify-write of contract amounts (the lost-update workload: versioned single and two-contract
 *    updates, retried on conflict) from 1, 2 and 4 app processes, direct and through PgBouncer
 *    (transaction mode); 8 workers and 400 committed updates in total; lost updates checked in the data.
 * 2) ContractService.get reads/s from one process with 0 and 1 streaming replica.
 * Run: node -r ts-node/register/transpile-only scripts/bench-scale.ts
 */
const quiet = () => undefined;
const TOTAL_WORKERS = 8;
const PER_WORKER = 50;

async function rmwCell(label: string, urlFor: (db: string) => string, processes: number): Promise<string> {
  const name = await createTestDatabase(`scale_${label}_${processes}`);
  try {
    const env = { DATABASE_URL: urlFor(name), DB_POOL_MAX: '8' };
    const orm = await initOrm({ env, log: quiet, options: { migrations: { ...createConfig(env).migrations, silent: true } } });
    await orm.migrator.up();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await makeContract(orm.em.fork() as never, { amount: 0n })).id);
    const children = Array.from({ length: processes }, () =>
      spawnTs('test/concurrency/workers/rmw-process.ts', [String(TOTAL_WORKERS / processes), String(PER_WORKER), ...ids], env),
    );
    await Promise.all(children.map((c) => c.line('READY')));
    const results = children.map((c) => c.line('RESULT '));
    const started = process.hrtime.bigint();
    for (const c of children) c.child.stdin!.end('go\n');
    const merged = mergeResults((await Promise.all(results)).map((r) => JSON.parse(r) as RmwResult));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await Promise.all(children.map((c) => c.exited));
    let lost = 0;
    let updates = 0;
    for (const id of ids) {
      const stored = await new ContractService(orm.em.fork()).get(id);
      lost += merged.successes[id] - Number(stored.amount);
      updates += merged.successes[id];
    }
    await orm.close(true);
    const ops = TOTAL_WORKERS * PER_WORKER;
    return `| ${label} | ${processes} | ${(ops / seconds).toFixed(0)} | ${updates} | ${merged.conflicts} | ${lost} | ${merged.otherErrors.length} |`;
  } finally {
    await dropTestDatabase(name);
  }
}

async function readCell(env: Record<string, string>, ids: string[], seconds: number): Promise<number> {
  const orm = await initOrm({ env, log: quiet });
  let reads = 0;
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      for (let i = w; Date.now() < until; i++) {
        await new ContractService(orm.em.fork()).get(ids[i % ids.length]);
        reads++;
      }
    }),
  );
  await orm.close(true);
  return reads / seconds;
}

async function main(): Promise<void> {
  const bouncer = await startPgBouncer();
  const lines = ['| target | app processes | committed updates/s | row updates | conflicts retried | lost updates | other errors |', '|---|---|---|---|---|---|---|'];
  try {
    for (const processes of [1, 2, 4]) {
      lines.push(await rmwCell('direct', databaseUrl, processes));
      lines.push(await rmwCell('pgbouncer', (db) => bouncer.url(db), processes));
      process.stderr.write(`${lines.slice(-2).join('\n')}\n`);
    }
  } finally {
    await bouncer.stop();
  }

  const pair = await startReplicaPair();
  try {
    const primary = { DATABASE_URL: pair.primaryUrl('postgres'), DB_POOL_MAX: '8' };
    const orm = await initOrm({ env: primary, log: quiet, options: { migrations: { ...createConfig(primary).migrations, silent: true } } });
    await orm.migrator.up();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await makeContract(orm.em.fork() as never)).id);
    await orm.close(true);
    await pair.caughtUp();
    const none = await readCell(primary, ids, 8);
    const one = await readCell({ ...primary, DATABASE_REPLICA_URLS: pair.replicaUrl('postgres') }, ids, 8);
    lines.push('', '| replicas | ContractService.get reads/s (1 process, 8 concurrent) |', '|---|---|', `| 0 | ${none.toFixed(0)} |`, `| 1 | ${one.toFixed(0)} |`);
  } finally {
    pair.stop();
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`bench-scale failed: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
