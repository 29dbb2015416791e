import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * The server used for the PostgreSQL half. Tests connect to its maintenance database only to CREATE and
 * DROP their own throwaway databases; they never touch any other database.
 */
export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Every database the tests create matches this; destructive helpers refuse anything else. */
export const TEST_DB_PATTERN = /^contractdesk_test_[a-z0-9_]+$/;

let availability: Promise<string | undefined> | undefined;

/** undefined when reachable, otherwise the reason (cached for the whole run). */
export function postgresUnavailableReason(): Promise<string | undefined> {
  availability ??= (async () => {
    const client = new Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
      return undefined;
    } catch (error) {
      return (error as Error).message || String(error);
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return availability;
}

export function databaseUrl(dbName: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${dbName}`;
  return url.toString();
}

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(label: string): Promise<string> {
  const name = `contractdesk_test_${label.replace(/[^a-z0-9]+/gi, '_').toLowerCase().slice(0, 24)}_${process.pid}_${randomBytes(3).toString('hex')}`;
  assertTestDatabase(name);
  await admin((c) => c.query(`create database "${name}"`));
  return name;
}

export async function dropTestDatabase(name: string): Promise<void> {
  assertTestDatabase(name);
  await admin((c) => c.query(`drop database if exists "${name}" with (force)`));
}

export function assertTestDatabase(name: string): void {
  if (!TEST_DB_PATTERN.test(name)) {
    throw new Error(`Refusing destructive test setup on database "${name}": it does not look like a test database`);
  }
}
