import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { EntityManager } from '@mikro-orm/knex';
import { type ContractDeskOrm, createConfig, initOrm } from '../../src/config/orm-config';
import { Contract } from '../../src/entities/contract.entity';
import { ContractService } from '../../src/services/contract.service';
import { UserService } from '../../src/services/user.service';
import { betterSqlite3Package } from '../../src/db/better-sqlite3';
import { makeContract } from '../helpers/factories';

const ROOT = join(__dirname, '..', '..');

/** Another OS process takes SQLite's write lock and keeps it until we close its stdin. */
function holdWriteLock(path: string): Promise<{ release: () => Promise<void> }> {
  const script = `
    const db = new (require(process.argv[2]))(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    process.stdin.on('end', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); }).resume();`;
  // The same better-sqlite3 build this Node loads for the app (src/db/better-sqlite3.ts).
  const child = spawn(process.execPath, ['-e', script, path, betterSqlite3Package()], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', () =>
      resolve({
        release: async () => {
          child.stdin!.end();
          await exited;
        },
      }),
    );
  });
}

/**
 * SQLite: a write transaction holds this process's write connection while it waits for the write lock. Reads
 * outside a transaction use their own connection (WAL lets them run beside any writer), so they answer at once.
 */
describe('SQLite readers never wait behind a writer', () => {
  let dir: string;
  let orm: ContractDeskOrm;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'contractdesk-test-'));
    const env = { DB_PATH: join(dir, 'readers.sqlite3'), DB_BUSY_TIMEOUT: '5000' };
    orm = await initOrm({ env, log: () => undefined, options: { migrations: { ...createConfig(env).migrations, silent: true } } });
    await orm.migrator.up();
  });

  after(async () => {
    await orm?.close(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it('while another process holds the write lock and a write waits for it, reads answer in under 50 ms', async function () {
    this.timeout(20_000);
    const contract = await makeContract(orm.em.fork() as EntityManager);
    const contracts = new ContractService(orm.em as EntityManager);
    const users = new UserService(orm.em as EntityManager);

    const lock = await holdWriteLock(join(dir, 'readers.sqlite3'));
    // This write takes the process's write connection and waits for the lock the other process holds.
    const waitingWrite = contracts.transition(contract.id, { to: 'active', expectedVersion: 1 });
    await new Promise((resolve) => setTimeout(resolve, 100));

    const timings: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = process.hrtime.bigint();
      const [read, list, user] = await Promise.all([
        contracts.get(contract.id),
        contracts.listForClient(contract.client.id),
        users.get(contract.freelancer.id),
      ]);
      timings.push(Number(process.hrtime.bigint() - started) / 1e6);
      expect([read.status, list.length, user.id]).to.deep.equal(['draft', 1, contract.freelancer.id]);
    }
    expect(Math.max(...timings), `read latencies ${timings.map((t) => t.toFixed(1)).join(', ')} ms`).to.be.below(50);

    await lock.release();
    const written = await waitingWrite;
    expect(written.version).to.equal(2);
    const stored = await orm.em.fork().findOneOrFail(Contract, contract.id);
    expect([stored.status, stored.version]).to.deep.equal(['active', 2]);
  });

  it("lean reads outside a transaction use the reader's own handle (no pool borrow) and see every committed write", async () => {
    const contract = await makeContract(orm.em.fork() as EntityManager);
    const contracts = new ContractService(orm.em as EntityManager);
    const reader = orm.em.getConnection('read');
    expect(reader, 'a SQLite file gets its own read connection').to.not.equal(orm.em.getConnection('write'));
    const client = reader.getKnex().client as { acquireConnection: (...args: unknown[]) => Promise<unknown> };
    const acquire = client.acquireConnection;
    let borrowed = 0;
    client.acquireConnection = function (this: unknown, ...args: unknown[]) {
      borrowed++;
      return acquire.apply(this, args);
    };
    try {
      for (let version = 1; version <= 3; version++) {
        // Each read right after the commit of the write before it: a second connection must see it.
        const read = await contracts.get(contract.id);
        const [listed] = await contracts.listForClient(contract.client.id);
        expect([read.version, listed.version]).to.deep.equal([version, version]);
        await contracts.rename(contract.id, { title: `renamed ${version}`, expectedVersion: version });
      }
      expect((await contracts.get(contract.id)).title).to.equal('renamed 3');
    } finally {
      client.acquireConnection = acquire;
    }
    expect(borrowed, 'lean reads borrowed from the reader pool').to.equal(0);
  });
});
