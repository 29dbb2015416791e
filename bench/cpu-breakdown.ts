import 'reflect-metadata';
import type { EntityManager } from '@mikro-orm/knex';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initOrm } from 'contractdesk';
import { Contract } from 'contractdesk';
import { ContractService } from 'contractdesk';
import { TransactionScope } from 'contractdesk';
import { generate, sizes } from './data';
import { RawSqlite } from './impl/raw-sqlite';
import { plainOrmOptions } from './baseline';
import { LeanQuery } from 'contractdesk/internal';

/**
 * Development aid (not part of `npm run bench`): CPU µs per piece of a W3 transition on SQLite, which
 * stays meaningful on a loaded machine. Run: npm run build && node dist/bench/cpu-breakdown.js
 */
async function cpu(label: string, n: number, fn: (i: number) => unknown) {
  const t = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn(i);
  const d = process.cpuUsage(t);
  console.log(`${label.padEnd(36)} ${((d.user + d.system) / n).toFixed(1).padStart(7)} µs cpu`);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'cd-micro-'));
  const env = { DB_PATH: join(dir, 'm.sqlite3') };
  const orm = await initOrm({ env, log: () => undefined });
  await orm.getMigrator().up();
  const data = generate(sizes(1));
  const raw = new RawSqlite(env.DB_PATH);
  raw.reset();
  await raw.w1(data);
  const ids = data.contracts.map((c) => c.id);
  const n = 1500; // W3-sized; ids 0.., 2000.. and 4000.. are disjoint
  const svc = new ContractService(orm.em as EntityManager);
  const uow = new TransactionScope(orm.em as EntityManager);
  // MikroORM's stock transactions (knex transaction objects), as the bench's plain variant runs them.
  const stock = await initOrm({ env, log: () => undefined, options: plainOrmOptions(env) });
  await cpu('raw transition', n, (i) => raw.transition(ids[i]));
  await cpu('stock: em.transactional(empty)', n, () => stock.em.fork().transactional(async () => 1));
  await cpu('lean: em.transactional(empty)', n, () => orm.em.fork().transactional(async () => 1));
  await cpu('lean: uow.write(empty)', n, () => uow.write(async () => 1));
  const BY_ID = new LeanQuery(Contract, (col) => `${col('id')} = ?`);
  const em0 = orm.em as EntityManager;
  for (let pass = 0; pass < 2; pass++) {
    await cpu('read: fork({clear})', 3 * n, () => em0.getContext(false).fork({ clear: true }));
    await cpu('read: uow.read(empty)', 3 * n, () => uow.read(async () => 1));
    const fork = em0.fork({ clear: true }) as EntityManager;
    await cpu('read: lean findOne (one fork)', 3 * n, (i) => BY_ID.findOne(fork, [ids[i % 6000]]));
    await cpu('read: service.view', 3 * n, (i) => svc.view(ids[i % 6000]));
    await cpu('read: lean findOne managed (new fork)', 3 * n, (i) => BY_ID.findOne(em0.fork({ clear: true }) as EntityManager, [ids[i % 6000]]));
    await cpu('read: service.get', 3 * n, (i) => svc.get(ids[i % 6000]));
    await cpu('read: raw get', 3 * n, (i) => raw.w2([ids[i % 6000]]));
  }
  await cpu('fork+findOne', n, (i) => orm.em.fork().findOne(Contract, { id: ids[2000 + i] }));
  await cpu('service.get', n, (i) => svc.get(ids[2000 + i]));
  await cpu('service.transition', n, (i) => svc.transition(ids[4000 + i], { to: 'active', expectedVersion: 1 }));
  await cpu('service.rename', n, (i) => svc.rename(ids[4000 + i], { title: 'x', expectedVersion: 2 }));
  await orm.close();
  await stock.close();
}
main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
