import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { PG_ADMIN_URL } from './postgres';

/**
 * A real PgBouncer (Debian's package) in pool_mode=transaction in front of the test PostgreSQL, started and
 * stopped by the tests in their own temp dir on a free loopback port. Transaction mode is what hosted poolers
 * (Supabase, Neon, RDS Proxy in its default) give an app: each transaction may run on a different server
 * connection, so anything bound to a session (named prepared statements, SET, advisory locks held across
 * transactions, temp tables) breaks or leaks between clients.
 */
export interface PgBouncer {
  port: number;
  /** A client URL for `dbName` through the bouncer (same user as the admin URL). */
  url(dbName: string): string;
  /** Kills the bouncer (SIGKILL: every client and server connection drops at once) and starts it again on the same port. */
  restart(options?: { downMs?: number }): Promise<void>;
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  log(): string;
}

export function pgbouncerBinary(): string | undefined {
  for (const candidate of [process.env.PGBOUNCER_BIN, '/usr/sbin/pgbouncer', '/usr/bin/pgbouncer']) {
    if (!candidate) continue;
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next
    }
  }
  try {
    return execFileSync('sh', ['-c', 'command -v pgbouncer'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** pgbouncer refuses to run as root; under root (CI) it runs as the `postgres` OS user. */
function dropPrivileges(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

export async function startPgBouncer(options: { poolSize?: number } = {}): Promise<PgBouncer> {
  const binary = pgbouncerBinary();
  if (!binary) throw new Error('pgbouncer is not installed (Debian: apt-get install -y pgbouncer)');
  const upstream = new URL(PG_ADMIN_URL);
  const user = decodeURIComponent(upstream.username || 'postgres');
  const dir = mkdtempSync(join(tmpdir(), 'contractdesk-pgbouncer-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const ini = join(dir, 'pgbouncer.ini');
  const users = join(dir, 'userlist.txt');
  writeFileSync(users, `"${user}" ""\n`, { mode: 0o644 });
  writeFileSync(
    ini,
    [
      '[databases]',
      // Any database name is forwarded, so each suite's throwaway database needs no entry of its own.
      `* = host=${upstream.hostname} port=${upstream.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${users}`,
      'pool_mode = transaction',
      'max_client_conn = 2000',
      `default_pool_size = ${options.poolSize ?? 20}`,
      // Tests drop their databases WITH (FORCE); idle server connections then close quickly instead of lingering.
      'server_idle_timeout = 5',
      'server_reset_query =',
      // node-postgres sends no startup options beyond these; refuse nothing that a stock client sends.
      'ignore_startup_parameters = extra_float_digits,options,statement_timeout',
      'log_connections = 0',
      'log_disconnections = 0',
      `admin_users = ${user}`,
      '',
    ].join('\n'),
    { mode: 0o644 },
  );

  let child: ChildProcess | undefined;
  let output = '';
  const creds = dropPrivileges();

  const waitReady = async () => {
    const deadline = Date.now() + 10_000;
    let last: unknown;
    while (Date.now() < deadline) {
      if (child?.exitCode !== null && child?.exitCode !== undefined) break;
      const client = new Client({ connectionString: url('postgres'), connectionTimeoutMillis: 1000 });
      try {
        await client.connect();
        await client.query('select 1');
        await client.end();
        return;
      } catch (error) {
        last = error;
        await client.end().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`pgbouncer did not become ready on port ${port}: ${(last as Error)?.message}\n${output.slice(-2000)}`);
  };

  const url = (dbName: string) => {
    const u = new URL(PG_ADMIN_URL);
    u.hostname = '127.0.0.1';
    u.port = String(port);
    u.pathname = `/${dbName}`;
    return u.toString();
  };

  const start = async () => {
    child = spawn(binary, [ini], { stdio: ['ignore', 'pipe', 'pipe'], ...(creds ?? {}) });
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (output = (output + c).slice(-20_000)));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (output = (output + c).slice(-20_000)));
    await waitReady();
  };

  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    running.kill('SIGKILL');
    await exited;
  };

  const onExit = () => child?.kill('SIGKILL');
  process.once('exit', onExit);
  await start();

  return {
    port,
    url,
    start,
    kill,
    log: () => output,
    async restart({ downMs = 0 } = {}) {
      await kill();
      if (downMs) await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async stop() {
      process.removeListener('exit', onExit);
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let shared: Promise<PgBouncer> | undefined;

/** One bouncer for the whole mocha run (started on first use, stopped by the root afterAll hook). */
export function sharedPgBouncer(): Promise<PgBouncer> {
  shared ??= startPgBouncer();
  return shared;
}

export async function stopSharedPgBouncer(): Promise<void> {
  const running = shared;
  shared = undefined;
  if (running) await (await running.catch(() => undefined))?.stop();
}
