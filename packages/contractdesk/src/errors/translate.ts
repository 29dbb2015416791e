import {
  CheckConstraintViolationException,
  ConnectionException,
  DeadlockException,
  ForeignKeyConstraintViolationException,
  LockWaitTimeoutException,
  NotNullConstraintViolationException,
  OptimisticLockError,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { ConflictError, DomainError, InternalError, TransactionUsageError, UnavailableError } from './domain-error';

/**
 * Unique constraints we know, by PostgreSQL constraint name and by SQLite's "table.column" wording.
 * A violation of one of these is a meaningful conflict; anything else is a generic one.
 */
const UNIQUE_CONFLICTS: ReadonlyArray<{ pg: string; sqlite: string; error: () => DomainError }> = [
  { pg: 'contractdesk_users_username_unique', sqlite: 'contractdesk_users.username', error: () => ConflictError.usernameTaken() },
  { pg: 'contractdesk_users_email_unique', sqlite: 'contractdesk_users.email', error: () => ConflictError.emailTaken() },
  { pg: 'contractdesk_users_auth_subject_unique', sqlite: 'contractdesk_users.auth_subject', error: () => ConflictError.subjectTaken() },
  { pg: 'contractdesk_admin_bootstrap_pkey', sqlite: 'contractdesk_admin_bootstrap.id', error: () => ConflictError.bootstrapClosed() },
  { pg: 'contractdesk_roles_name_unique', sqlite: 'contractdesk_roles.name', error: () => ConflictError.roleNameTaken() },
  { pg: 'contractdesk_push_subscriptions_endpoint_unique', sqlite: 'contractdesk_push_subscriptions.endpoint', error: () => ConflictError.endpointClaimed() },
];

// PostgreSQL SQLSTATEs that mean "the server or the connection went away": retry later.
const PG_UNAVAILABLE = /^(08...|57P0[1-3]|53300|55000)$/;
const NODE_NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);
const CONNECTION_MESSAGES =
  /Connection terminated|connection (?:is )?(?:closed|not available)|Client has encountered a connection error|Knex: Timeout acquiring a connection|terminating connection|the database system is (?:starting up|shutting down)|Unable to acquire a connection|server closed the connection/i;

// Driver wording for a connection that died or never came up: pg's connect timeout is exactly
// "timeout expired"; knex says "Connection ended unexpectedly" when a pooled client's socket closed, and
// "Transaction query already complete" when the transaction's connection failed, knex marked it finished
// and the ROLLBACK that followed was refused (our code never reuses a finished transaction, so here it
// means the connection was lost mid-transaction). The pool's wording for an operation still waiting for
// a connection when the ORM was closed is exactly "aborted": nothing of it ran.
const LOST_CONNECTION_MESSAGES = /^timeout expired$|^aborted$|Connection ended unexpectedly|Transaction query already complete/i;

// The same contention as DeadlockException/LockWaitTimeoutException when a raw, unconverted driver error
// arrives: PostgreSQL serialization failure, deadlock, lock_not_available; SQLite busy/locked. The
// transaction is rolled back (by the server, or by the unit of work), so retrying all of it is safe.
const PG_CONTENTION = new Set(['40001', '40P01', '55P03']);
const SQLITE_CONTENTION = /^SQLITE_(?:BUSY|LOCKED)/;

/** Turns anything a database call throws into a DomainError; the original stays on `cause` for logs. */
export function translateError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  if (error instanceof OptimisticLockError) {
    return new ConflictError('DB.VERSION_CONFLICT', 'The record was changed by someone else; reload and retry', { cause: error });
  }

  if (error instanceof UniqueConstraintViolationException) {
    const text = error.message;
    const known = UNIQUE_CONFLICTS.find((u) => text.includes(`"${u.pg}"`) || text.includes(`failed: ${u.sqlite}`));
    if (known) {
      const domain = known.error();
      // Non-enumerable like a constructor-given cause, so logging or spreading the error does not dump SQL.
      Object.defineProperty(domain, 'cause', { value: error, enumerable: false, writable: true, configurable: true });
      return domain;
    }
    return ConflictError.generic(error);
  }
  if (error instanceof ForeignKeyConstraintViolationException) {
    return new ConflictError('DB.REFERENCE_VIOLATION', 'The change refers to a record that does not exist or is still referenced', { cause: error });
  }
  if (error instanceof CheckConstraintViolationException || error instanceof NotNullConstraintViolationException) {
    return ConflictError.generic(error);
  }
  if (sqlState(error) === PG_READ_ONLY_TRANSACTION) {
    // A caller's READ ONLY transaction that ContractDesk's own driver did not begin (the stock PostgreSQL driver's
    // knex transaction says nothing about it), so the first write finds out; nothing was written either way.
    const domain = TransactionUsageError.readOnly();
    Object.defineProperty(domain, 'cause', { value: error, enumerable: false, writable: true, configurable: true });
    return domain;
  }
  if (error instanceof DeadlockException || error instanceof LockWaitTimeoutException) {
    return UnavailableError.contention(error);
  }
  if (isRawContention(error)) {
    return UnavailableError.contention(error);
  }
  if (error instanceof ConnectionException || isConnectionFailure(error)) {
    return UnavailableError.unavailable(error);
  }
  return InternalError.wrap(error);
}

export function isConnectionFailure(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const e = current as { code?: unknown; message?: unknown; name?: unknown; cause?: unknown };
    if (typeof e.code === 'string' && (PG_UNAVAILABLE.test(e.code) || NODE_NET_CODES.has(e.code))) return true;
    if (e.name === 'KnexTimeoutError') return true;
    if (typeof e.message === 'string' && CONNECTION_MESSAGES.test(e.message)) return true;
    if (typeof e.message === 'string' && LOST_CONNECTION_MESSAGES.test(e.message)) return true;
    current = e.cause;
  }
  return false;
}

// read_only_sql_transaction: a write inside a transaction begun READ ONLY.
const PG_READ_ONLY_TRANSACTION = '25006';

/** The SQLSTATE of a PostgreSQL error, on MikroORM's wrapped exception or on the driver's own. */
function sqlState(error: unknown): string | undefined {
  const e = error as { code?: unknown; sqlState?: unknown } | null;
  if (typeof e?.sqlState === 'string') return e.sqlState;
  return typeof e?.code === 'string' ? e.code : undefined;
}

function isRawContention(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (PG_CONTENTION.has(code) || SQLITE_CONTENTION.test(code));
}
