/**
 * One waiter for the SQLite migration lock (test/migrations/migrate-once.spec.ts, "two waiters racing a stale
 * lock"). `slow`: the first time it reads the lock file it stops right after the read (printing SAW_STALE) and
 * resumes only once another process has replaced the lock, then acts on what it read: the interleaving in which
 * a non-atomic takeover removes the other waiter's fresh lock. `fast`: no delay. Prints APPLIED <json names>.
 */
import fs from 'node:fs';
import { createConfig, initOrm } from '../../../../../packages/contractdesk/src/config/orm-config';
import { runWorker } from '../../../../../packages/contractdesk/test/helpers/worker';

const lockPath = `${process.env.DB_PATH}.migrate-lock`;

function pauseUntilReplaced(seen: string): void {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    let now = '';
    try {
      now = String(original.call(fs, lockPath, 'utf8'));
    } catch {
      // removed for a moment during the other waiter's takeover
    }
    if (now.trim() !== '' && now !== seen) return;
    Atomics.wait(sleeper, 0, 0, 10);
  }
  throw new Error('the other waiter never took the lock');
}

const original = fs.readFileSync;
if (process.argv[2] === 'slow') {
  let paused = false;
  (fs as { readFileSync: unknown }).readFileSync = function (this: unknown, path: fs.PathOrFileDescriptor, ...rest: unknown[]) {
    const content = (original as (...args: unknown[]) => unknown).call(fs, path, ...rest);
    if (!paused && path === lockPath) {
      paused = true;
      process.stdout.write('SAW_STALE\n');
      pauseUntilReplaced(String(content));
    }
    return content;
  };
}

async function main(): Promise<void> {
  const env = { DB_PATH: process.env.DB_PATH! };
  const orm = await initOrm({ env, log: () => undefined, options: { migrations: { ...createConfig(env).migrations, silent: true } } });
  try {
    const applied = await orm.migrator.up();
    process.stdout.write(`APPLIED ${JSON.stringify(applied.map((m) => m.name))}\n`);
  } finally {
    await orm.close(true);
  }
}

runWorker(main);
