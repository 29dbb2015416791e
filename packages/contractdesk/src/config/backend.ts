import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../errors/domain-error';
import { projectRoot } from './paths';

export type Env = Record<string, string | undefined>;

export interface SqliteBackend {
  kind: 'sqlite';
  /** Absolute path of the database file, or ':memory:'. */
  path: string;
  synchronous: 'NORMAL' | 'FULL';
  busyTimeoutMs: number;
}

export interface PostgresBackend {
  kind: 'postgresql';
  url: string;
  poolMax: number;
  /** Streaming replicas for reads outside transactions (DATABASE_REPLICA_URLS); may be empty. */
  replicaUrls: string[];
}

export type Backend = SqliteBackend | PostgresBackend;

export const DEFAULT_SQLITE_PATH = 'data/contractdesk.sqlite3';

const POSTGRES_URL = /^postgres(ql)?:\/\//i;
const ANY_URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** Reads the environment and decides which database to use. Pure: no I/O. */
export function resolveBackend(env: Env = process.env): Backend {
  const url = env.DATABASE_URL?.trim();
  if (url) {
    if (POSTGRES_URL.test(url)) {
      return { kind: 'postgresql', url, poolMax: positiveInt(env, 'DB_POOL_MAX', 10), replicaUrls: replicaUrls(env.DATABASE_REPLICA_URLS) };
    }
    const scheme = ANY_URL_SCHEME.exec(url)?.[0] ?? url.slice(0, 16);
    throw new ConfigError(
      'CONFIG.UNSUPPORTED_DATABASE_URL',
      `DATABASE_URL scheme "${scheme}" is not supported: use postgres:// or postgresql://, or unset DATABASE_URL and set DB_PATH for SQLite`,
    );
  }
  if (env.DATABASE_REPLICA_URLS?.trim()) {
    throw new ConfigError('CONFIG.INVALID_VALUE', 'DATABASE_REPLICA_URLS needs a PostgreSQL DATABASE_URL; SQLite has no replicas');
  }
  const rawPath = env.DB_PATH?.trim() || DEFAULT_SQLITE_PATH;
  const path = rawPath === ':memory:' ? rawPath : isAbsolute(rawPath) ? rawPath : resolve(process.cwd(), rawPath);
  return {
    kind: 'sqlite',
    path,
    synchronous: synchronousMode(env.DB_SYNCHRONOUS),
    busyTimeoutMs: nonNegativeInt(env, 'DB_BUSY_TIMEOUT', 5000),
  };
}

/** One line for logs: names the backend and where it is, never a password. */
export function describeBackend(backend: Backend): string {
  if (backend.kind === 'sqlite') {
    const where = backend.path === ':memory:' ? 'in memory' : `file ${backend.path}`;
    return `database: SQLite (${where}; journal_mode=WAL, synchronous=${backend.synchronous}, busy_timeout=${backend.busyTimeoutMs}ms)`;
  }
  const replicas = backend.replicaUrls.length ? `; read replicas ${backend.replicaUrls.map(redactUrl).join(', ')}` : '';
  return `database: PostgreSQL (${redactUrl(backend.url)}; pool max ${backend.poolMax}${replicas})`;
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgresql://(unparseable URL)';
  }
}

export { projectRoot };

/** Comma-separated postgres:// URLs; each must parse. Messages name the position, never the URL (it may hold a password). */
function replicaUrls(raw: string | undefined): string[] {
  if (!raw?.trim()) return [];
  return raw.split(',').map((part, i) => {
    const url = part.trim();
    let ok = POSTGRES_URL.test(url);
    if (ok) {
      try {
        ok = new URL(url).hostname !== '';
      } catch {
        ok = false;
      }
    }
    if (!ok) {
      throw new ConfigError(
        'CONFIG.INVALID_REPLICA_URL',
        `DATABASE_REPLICA_URLS entry ${i + 1} is not a postgres:// or postgresql:// URL with a host`,
      );
    }
    return url;
  });
}

function synchronousMode(raw: string | undefined): 'NORMAL' | 'FULL' {
  const value = (raw?.trim() || 'NORMAL').toUpperCase();
  if (value === 'NORMAL' || value === 'FULL') return value;
  throw new ConfigError('CONFIG.INVALID_VALUE', `DB_SYNCHRONOUS must be NORMAL or FULL, got "${raw}"`);
}

function nonNegativeInt(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d{1,9}$/.test(raw)) {
    throw new ConfigError('CONFIG.INVALID_VALUE', `${name} must be a whole number of milliseconds, got "${raw}"`);
  }
  return Number(raw);
}

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1) {
    throw new ConfigError('CONFIG.INVALID_VALUE', `${name} must be a whole number from 1 to 9999, got "${raw}"`);
  }
  return Number(raw);
}
