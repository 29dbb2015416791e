import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initOrm } from 'contractdesk';
import { throwawayPgDatabase } from '../throwaway-pg';
import type { Dataset } from '../data';
import { RawPg } from '../impl/raw-pg';
import { RawSqlite } from '../impl/raw-sqlite';

/**
 * The one database every server of a run reads: migrated by the app's own migrations, seeded with the
 * bench's dataset (bench/data.ts), each user bound to the token subject `bench|<id>`. Only one server is under
 * load at a time, so they can share it; `resetWrites` puts every contract back to draft at version 1 before a
 * transitions cell, so each cell starts from the same state whatever the previous one changed.
 */
export interface BenchDatabase {
  dialect: 'sqlite' | 'postgresql';
  /** DB_PATH or DATABASE_URL (plus its settings) for the servers. */
  env: Record<string, string>;
  settings: Record<string, string>;
  resetWrites(): Promise<void>;
  close(): Promise<void>;
}

export const subjectOf = (userId: string) => `bench|${userId}`;

const quiet = () => undefined;

async function migrate(env: Record<string, string>): Promise<void> {
  const orm = await initOrm({ env, log: quiet });
  try {
    await orm.getMigrator().up();
  } finally {
    await orm.close(true);
  }
}

export async function sqliteDatabase(data: Dataset): Promise<BenchDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'contractdesk-bench-http-'));
  const env = { DB_PATH: join(dir, 'bench.sqlite3'), DB_SYNCHRONOUS: 'NORMAL' };
  try {
    await migrate(env);
    const raw = new RawSqlite(env.DB_PATH);
    await raw.w1(data);
    raw.db.prepare("update contractdesk_users set auth_subject = 'bench|' || id").run();
    const reset = raw.db.prepare("update contractdesk_contracts set status = 'draft', version = 1, updated_at = created_at");
    return {
      dialect: 'sqlite',
      env,
      settings: {
        sqlite: String(raw.db.prepare('select sqlite_version()').pluck().get()),
        file: 'temp file (os.tmpdir), WAL, synchronous=NORMAL, shared by the app and the node:http floor',
      },
      async resetWrites() {
        reset.run();
        raw.db.pragma('wal_checkpoint(PASSIVE)');
      },
      async close() {
        await raw.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A database of its own on DATABASE_URL's server (or BENCH_PG_ADMIN_URL, or the local one), dropped at the end. */
export async function postgresDatabase(data: Dataset, poolMax: number): Promise<BenchDatabase> {
  const db = await throwawayPgDatabase('benchhttp');
  const u = new URL(db.url);
  try {
    const env = { DATABASE_URL: db.url, DB_POOL_MAX: String(poolMax) };
    await migrate(env);
    const raw = new RawPg(env.DATABASE_URL, 2);
    // An idle connection the server ends (a restart, an administrator) must not take the whole run down unexplained.
    raw.pool.on('error', (error) => process.stderr.write(`[bench:http] side connection lost: ${error.message}\n`));
    await raw.w1(data);
    await raw.pool.query("update contractdesk_users set auth_subject = 'bench|' || id");
    const server = String((await raw.pool.query('select version() v')).rows[0].v).split(' on ')[0];
    return {
      dialect: 'postgresql',
      env,
      settings: { server, database: `${db.name} on ${u.host} (created and dropped by the run)`, pool: `DB_POOL_MAX=${poolMax} (the app's pool and the floor's pg.Pool)` },
      async resetWrites() {
        await raw.pool.query("update contractdesk_contracts set status = 'draft', version = 1, updated_at = created_at");
        // Dead row versions from the last cell would otherwise slow the next one down.
        await raw.pool.query('vacuum analyze contractdesk_contracts');
      },
      async close() {
        await raw.close();
        await db.drop();
      },
    };
  } catch (error) {
    await db.drop().catch(() => undefined);
    throw error;
  }
}
