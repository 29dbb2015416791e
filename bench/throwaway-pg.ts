import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export interface ThrowawayDatabase {
  name: string;
  /** The database's URL on the admin URL's server, as user and password of the admin URL. */
  url: string;
  /** Drops it (`with (force)`: a bench that failed may leave connections open) and forgets the Ctrl-C handler. */
  drop(): Promise<void>;
}

/**
 * A `contractdesk_test_<kind>_*` database of its own for one bench run, on BENCH_PG_ADMIN_URL's, DATABASE_URL's or
 * the local server. Ctrl-C drops it before exiting, so an interrupted run leaves nothing behind; the caller drops it
 * on success and on failure.
 */
export async function throwawayPgDatabase(kind: string): Promise<ThrowawayDatabase> {
  const adminUrl = pgAdminUrl();
  const name = `contractdesk_test_${kind}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`create database "${name}"`);
  const dropDb = () => admin(`drop database if exists "${name}" with (force)`);
  const onSignal = () => void dropDb().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    name,
    url: u.toString(),
    async drop() {
      process.removeListener('SIGINT', onSignal);
      await dropDb();
    },
  };
}

/** Admin URL of the server: BENCH_PG_ADMIN_URL, else DATABASE_URL's server, else the local one. */
export function pgAdminUrl(env = process.env): string {
  if (env.BENCH_PG_ADMIN_URL) return env.BENCH_PG_ADMIN_URL;
  if (env.DATABASE_URL && /^postgres(ql)?:\/\//i.test(env.DATABASE_URL)) {
    const u = new URL(env.DATABASE_URL);
    u.pathname = '/postgres';
    return u.toString();
  }
  return 'postgresql://postgres@127.0.0.1:5432/postgres';
}
