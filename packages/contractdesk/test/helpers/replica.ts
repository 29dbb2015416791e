import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './pgbouncer';

/** PG_BIN_DIR, else the newest Debian server install (/usr/lib/postgresql/<major>/bin). */
const BIN =
  process.env.PG_BIN_DIR ??
  (() => {
    try {
      const majors = readdirSync('/usr/lib/postgresql').filter((d) => existsSync(join('/usr/lib/postgresql', d, 'bin', 'initdb')));
      majors.sort((a, b) => Number(b) - Number(a));
      return majors.length ? join('/usr/lib/postgresql', majors[0], 'bin') : '/usr/lib/postgresql/15/bin';
    } catch {
      return '/usr/lib/postgresql/15/bin';
    }
  })();

/**
 * A throwaway primary (initdb, wal_level=replica) and one streaming replica made with `pg_basebackup -R`, each
 * with its own data directory under one temp dir and its own free loopback port. initdb and postgres refuse
 * to run as root, so under root (CI) every server command runs as the `postgres` OS user.
 */
export interface ReplicaPair {
  primaryUrl(db?: string): string;
  replicaUrl(db?: string): string;
  /** Pauses / resumes WAL replay on the replica: writes on the primary stay invisible there meanwhile. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Waits until the replica has replayed everything the primary has written so far. */
  caughtUp(): Promise<void>;
  stopReplica(mode?: 'immediate' | 'fast'): void;
  startReplica(): void;
  stop(): void;
}

export function replicaToolsUnavailableReason(): string | undefined {
  for (const tool of ['initdb', 'pg_ctl', 'pg_basebackup']) if (!existsSync(join(BIN, tool))) return `${join(BIN, tool)} not found`;
  return undefined;
}

function asPostgres(cmd: string, args: string[]): string {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const [file, argv] = root ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

export async function startReplicaPair(): Promise<ReplicaPair> {
  const dir = mkdtempSync(join(tmpdir(), 'contractdesk-replica-'));
  chmodSync(dir, 0o755);
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const primaryDir = join(dir, 'primary');
  const replicaDir = join(dir, 'replica');
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const serverOptions = (port: number) =>
    // Loopback only, no unix socket in a shared directory, small footprint: the machine is shared.
    `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories='' -c shared_buffers=16MB -c max_connections=60 -c fsync=off -c hot_standby=on -c wal_level=replica -c max_wal_senders=4`;
  const ctl = (dataDir: string, ...args: string[]) => asPostgres(join(BIN, 'pg_ctl'), ['-D', dataDir, ...args]);

  asPostgres(join(BIN, 'initdb'), ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  ctl(primaryDir, '-o', serverOptions(primaryPort), '-l', join(dir, 'primary.log'), '-w', 'start');
  const url = (port: number, db = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${db}`;
  try {
    asPostgres(join(BIN, 'pg_basebackup'), ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replicaDir, '-R', '-X', 'stream', '--no-sync']);
  } catch (error) {
    ctl(primaryDir, '-m', 'immediate', 'stop');
    throw error;
  }
  const startReplica = () => ctl(replicaDir, '-o', serverOptions(replicaPort), '-l', join(dir, 'replica.log'), '-w', 'start');
  startReplica();

  const query = async (port: number, sql: string) => {
    const client = new Client({ connectionString: url(port) });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };

  const stopQuietly = (dataDir: string, mode: string) => {
    try {
      ctl(dataDir, '-m', mode, '-w', 'stop');
    } catch {
      // already stopped
    }
  };

  return {
    primaryUrl: (db) => url(primaryPort, db),
    replicaUrl: (db) => url(replicaPort, db),
    pauseReplay: async () => void (await query(replicaPort, 'select pg_wal_replay_pause()')),
    resumeReplay: async () => void (await query(replicaPort, 'select pg_wal_replay_resume()')),
    async caughtUp() {
      const [{ lsn }] = await query(primaryPort, 'select pg_current_wal_lsn()::text as lsn');
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const [{ done }] = await query(replicaPort, `select pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn as done`);
        if (done) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('replica did not catch up within 30 s');
    },
    stopReplica: (mode = 'immediate') => stopQuietly(replicaDir, mode),
    startReplica,
    stop() {
      stopQuietly(replicaDir, 'immediate');
      stopQuietly(primaryDir, 'immediate');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
