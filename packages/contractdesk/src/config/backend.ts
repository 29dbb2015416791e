import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../errors/domain-error';
import { projectRoot } from './paths';
import { sqliteUrlLocation } from './sqlite-url';

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
const SUPPORTED_URLS = 'postgres://, postgresql://, sqlite: or file: (see the README for the SQLite forms)';

/** Reads the environment and decides which database to use. Pure: no I/O. */
export function resolveBackend(env: Env = process.env): Backend {
  const location = databaseLocation(env);
  if (location.kind === 'postgresql') {
    return { kind: 'postgresql', url: location.url, poolMax: positiveInt(env, 'DB_POOL_MAX', 10), replicaUrls: replicaUrls(env.DATABASE_REPLICA_URLS) };
  }
  if (env.DATABASE_REPLICA_URLS?.trim()) {
    throw new ConfigError('CONFIG.INVALID_VALUE', 'DATABASE_REPLICA_URLS needs a PostgreSQL DATABASE_URL; SQLite has no replicas');
  }
  return {
    kind: 'sqlite',
    path: location.path ?? absoluteSqlitePath(DEFAULT_SQLITE_PATH),
    synchronous: synchronousMode(env.DB_SYNCHRONOUS),
    busyTimeoutMs: nonNegativeInt(env, 'DB_BUSY_TIMEOUT', 5000),
  };
}

/**
 * The SQLite database DATABASE_URL or DB_PATH names (absolute, or ':memory:'); undefined when neither is set
 * (the default file) or the database is PostgreSQL. Refuses what resolveBackend refuses about the location.
 */
export function configuredSqlitePath(env: Env): string | undefined {
  const location = databaseLocation(env);
  return location.kind === 'sqlite' ? location.path : undefined;
}

type Location = { kind: 'postgresql'; url: string } | { kind: 'sqlite'; path: string | undefined };

/**
 * DATABASE_URL and DB_PATH are two spellings of one setting: both set is fine while they name the same SQLite
 * database, and refused otherwise, since whichever one silently won would leave the other's reader (an
 * operator, a backup script) looking at the wrong database.
 */
function databaseLocation(env: Env): Location {
  const url = env.DATABASE_URL?.trim();
  const rawPath = env.DB_PATH?.trim();
  const fromPath = rawPath ? absoluteSqlitePath(rawPath) : undefined;
  if (!url) return { kind: 'sqlite', path: fromPath };
  const fromUrl = urlLocation(url);
  if (fromPath !== undefined && !(fromUrl.kind === 'sqlite' && fromUrl.path === fromPath)) {
    const urlNames = fromUrl.kind === 'sqlite' ? `SQLite ${fromUrl.path}` : 'a PostgreSQL database';
    throw new ConfigError(
      'CONFIG.CONFLICTING_DATABASE',
      `DATABASE_URL names ${urlNames} but DB_PATH names SQLite ${fromPath}: set only one of them (or both to the same file)`,
    );
  }
  return fromUrl;
}

function urlLocation(url: string): Location {
  if (POSTGRES_URL.test(url)) return { kind: 'postgresql', url };
  const sqlite = sqliteUrlLocation(url);
  if (sqlite !== undefined) return { kind: 'sqlite', path: absoluteSqlitePath(sqlite) };
  const scheme = ANY_URL_SCHEME.exec(url)?.[0] ?? url.slice(0, 16);
  throw new ConfigError('CONFIG.UNSUPPORTED_DATABASE_URL', `DATABASE_URL scheme "${scheme}" is not supported: use ${SUPPORTED_URLS}`);
}

/** Relative paths are relative to the working directory, as a shell user expects of a file argument. */
function absoluteSqlitePath(raw: string): string {
  return raw === ':memory:' ? raw : isAbsolute(raw) ? resolve(raw) : resolve(process.cwd(), raw);
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
