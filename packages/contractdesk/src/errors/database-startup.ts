import type { Backend } from '../config/backend';
import { redactUrl } from '../config/backend';
import { DomainError, type ErrorKind } from './domain-error';

/**
 * Why the database could not be used when a process (the app, db:status, migration commands) started:
 * one line with a stable code, the target without its password, and what to do about it. Driver text stays
 * on `cause`: it can quote the URL or SQL, and it rarely tells an operator what to change.
 */
export class DatabaseStartupError extends DomainError {
  constructor(
    code: string,
    message: string,
    readonly kind: ErrorKind,
    readonly hint: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }

  /** `DB.AUTH_FAILED: PostgreSQL postgres://app:***@db/x refused the user or password. Fix: …` */
  line(): string {
    return `${this.code}: ${this.message}. Fix: ${this.hint}`;
  }
}

/** Where the backend points, for messages: the SQLite path or the URL with its password masked. */
export function describeTarget(backend: Backend): string {
  return backend.kind === 'sqlite' ? `SQLite ${backend.path}` : `PostgreSQL ${redactUrl(backend.url)}`;
}

interface Rule {
  code: string;
  kind: ErrorKind;
  what: string;
  hint: string;
}

// PostgreSQL SQLSTATEs and Node socket errors seen while connecting.
const PG_RULES: Record<string, Rule> = {
  ECONNREFUSED: unreachable('nothing accepts connections there'),
  EHOSTUNREACH: unreachable('the host cannot be reached'),
  ENETUNREACH: unreachable('the network cannot be reached'),
  ETIMEDOUT: unreachable('the connection timed out'),
  ECONNRESET: unreachable('the server closed the connection'),
  ENOTFOUND: {
    code: 'DB.UNREACHABLE',
    kind: 'unavailable',
    what: 'the host name does not resolve',
    hint: 'check the host in DATABASE_URL',
  },
  EAI_AGAIN: unreachable('the host name could not be resolved right now'),
  '57P03': unreachable('the server is starting up or shutting down'),
  '28P01': authFailed(),
  '28000': authFailed(),
  '3D000': {
    code: 'DB.NOT_FOUND',
    kind: 'config',
    what: 'the database does not exist',
    hint: 'check the database name in DATABASE_URL, or create it (createdb) and run the migrations',
  },
  '42501': {
    code: 'DB.PERMISSION_DENIED',
    kind: 'config',
    what: 'the user lacks a privilege the app needs',
    hint: 'grant the role CONNECT and CREATE on the database, or connect as its owner',
  },
  '53300': {
    code: 'DB.UNAVAILABLE',
    kind: 'unavailable',
    what: 'the server has no free connection slots',
    hint: 'lower DB_POOL_MAX on the instances or raise max_connections',
  },
};

// better-sqlite3 result codes and file-system errors while creating the folder or opening the file.
const SQLITE_RULES: Array<[RegExp, Rule]> = [
  [/^(EROFS|SQLITE_READONLY.*)$/, {
    code: 'DB.READ_ONLY',
    kind: 'config',
    what: 'the file or its folder is read-only',
    hint: 'give the app user write access to the file and its folder (SQLite writes -wal/-shm files next to it), or choose a writable DB_PATH',
  }],
  [/^(EACCES|EPERM)$/, {
    code: 'DB.CANNOT_OPEN',
    kind: 'config',
    what: 'permission denied on the file or a folder above it',
    hint: 'give the app user access to the folder of DB_PATH, or choose another DB_PATH',
  }],
  [/^(ENOTDIR|EEXIST|EISDIR|ENOENT|SQLITE_CANTOPEN.*)$/, {
    code: 'DB.CANNOT_OPEN',
    kind: 'config',
    what: 'the file cannot be opened (a part of the path is not a folder, or the path is a folder)',
    hint: 'point DB_PATH at a file inside a folder the app can write',
  }],
  [/^SQLITE_NOTADB$/, {
    code: 'DB.NOT_A_DATABASE',
    kind: 'config',
    what: 'the file is not an SQLite database',
    hint: 'check DB_PATH; restore the database from a backup if this file was overwritten',
  }],
  [/^SQLITE_CORRUPT.*$/, {
    code: 'DB.CORRUPT',
    kind: 'config',
    what: 'the database file is damaged',
    hint: 'stop every process using it and restore the latest backup (docs/operations.md)',
  }],
  [/^(SQLITE_BUSY.*|SQLITE_LOCKED.*)$/, {
    code: 'DB.BUSY',
    kind: 'unavailable',
    what: 'another process holds the database locked',
    hint: 'wait for the other process (a migration, a backup, db:copy) to finish, then start again',
  }],
  [/^(ENOSPC|SQLITE_FULL)$/, {
    code: 'DB.DISK_FULL',
    kind: 'unavailable',
    what: 'the disk is full',
    hint: 'free space on the volume holding DB_PATH',
  }],
  [/^(EIO|SQLITE_IOERR.*)$/, {
    code: 'DB.IO_ERROR',
    kind: 'unavailable',
    what: 'the operating system reported an I/O error',
    hint: 'check the disk and the file system holding DB_PATH',
  }],
];

function unreachable(what: string): Rule {
  return {
    code: 'DB.UNREACHABLE',
    kind: 'unavailable',
    what,
    hint: 'check that PostgreSQL runs at the host and port in DATABASE_URL and accepts TCP connections from this machine',
  };
}

function authFailed(): Rule {
  return {
    code: 'DB.AUTH_FAILED',
    kind: 'config',
    what: 'the server refused the user or password',
    hint: 'check the user and password in DATABASE_URL, and that pg_hba.conf admits this user from this host',
  };
}

/** The error and its causes, outermost first (MikroORM, knex and Nest wrap driver errors at times). */
function chain(error: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e = error; e !== undefined && e !== null && out.length < 8; e = (e as { cause?: unknown }).cause) {
    out.push(e);
    if (typeof e !== 'object') break;
  }
  return out;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Turns what opening the database threw into a DatabaseStartupError, or returns undefined when the error is
 * not about reaching the database (a bug, a failed migration): those keep their own report.
 * A DomainError (e.g. a CONFIG.* refusal) is returned as it is.
 */
export function databaseStartupError(error: unknown, backend: Backend): DomainError | undefined {
  if (error instanceof DomainError) return error;
  const target = describeTarget(backend);
  for (const e of chain(error)) {
    if (e instanceof DomainError) return e;
    const code = codeOf(e);
    const message = e instanceof Error ? e.message : '';
    let rule: Rule | undefined;
    if (backend.kind === 'postgresql') {
      rule = code ? PG_RULES[code] : undefined;
      // node-postgres reports its own connect timeout without a code.
      if (!rule && /timeout/i.test(message) && /connect/i.test(message)) rule = unreachable('the connection timed out');
    } else if (code) {
      rule = SQLITE_RULES.find(([pattern]) => pattern.test(code))?.[1];
    }
    if (rule) return new DatabaseStartupError(rule.code, `${target}: ${rule.what}`, rule.kind, rule.hint, { cause: error });
  }
  return undefined;
}
