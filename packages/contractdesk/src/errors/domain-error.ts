/**
 * Every failure a caller can see is a DomainError with a stable `code`.
 * Messages are written for humans and never contain SQL or driver text; the original
 * error (if any) stays on `cause` for logs only.
 */
export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;
  /** Whether repeating the whole operation may succeed (contention, lost connection). */
  readonly retryable: boolean = false;

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message };
  }
}

export type ErrorKind =
  | 'validation'
  | 'not_found'
  | 'conflict'
  | 'forbidden'
  | 'rule'
  | 'unavailable'
  | 'config'
  | 'usage'
  | 'internal';

/** Bad input: the request can never succeed as sent. */
export class ValidationError extends DomainError {
  readonly kind = 'validation' as const;
  constructor(code: string, readonly field: string, message: string) {
    super(code, message);
  }

  override toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, field: this.field };
  }
}

export class NotFoundError extends DomainError {
  readonly kind = 'not_found' as const;
  constructor(code: string, message: string, readonly entity: string, readonly id: string) {
    super(code, message);
  }

  static user(id: string): NotFoundError {
    return new NotFoundError('USER.NOT_FOUND', `User ${id} does not exist`, 'User', id);
  }

  static contract(id: string): NotFoundError {
    return new NotFoundError('CONTRACT.NOT_FOUND', `Contract ${id} does not exist`, 'Contract', id);
  }

  static role(id: string): NotFoundError {
    return new NotFoundError('ROLE.NOT_FOUND', `Role ${id} does not exist`, 'Role', id);
  }

  static pushSubscription(endpoint: string): NotFoundError {
    return new NotFoundError('PUSH.NOT_FOUND', 'No such push subscription for this account', 'PushSubscription', endpoint);
  }
}

/** The request is well-formed but collides with the current state (uniqueness, versions, ownership). */
export class ConflictError extends DomainError {
  readonly kind = 'conflict' as const;

  static versionConflict(contractId: string, expected: number, actual?: number): ConflictError {
    const seen = actual === undefined ? 'a newer version' : `version ${actual}`;
    return new ConflictError(
      'CONTRACT.VERSION_CONFLICT',
      `Contract ${contractId} was changed by someone else (you saw version ${expected}, it is now at ${seen}); reload and retry`,
    );
  }

  static usernameTaken(): ConflictError {
    return new ConflictError('USER.USERNAME_TAKEN', 'That username is already taken');
  }

  static emailTaken(): ConflictError {
    return new ConflictError('USER.EMAIL_TAKEN', 'That email is already registered');
  }

  static subjectTaken(): ConflictError {
    return new ConflictError('USER.SUBJECT_TAKEN', 'This identity is already registered as a user');
  }

  static bootstrapClosed(): ConflictError {
    return new ConflictError('ACCESS.BOOTSTRAP_CLOSED', 'The first administrator has already been claimed');
  }

  static userHasContracts(id: string): ConflictError {
    return new ConflictError('USER.HAS_CONTRACTS', `User ${id} is party to contracts and cannot be deleted`);
  }

  static roleNameTaken(): ConflictError {
    return new ConflictError('ROLE.NAME_TAKEN', 'A role with that name already exists');
  }

  static endpointClaimed(): ConflictError {
    return new ConflictError('PUSH.ENDPOINT_CLAIMED', 'That push endpoint is registered to another account');
  }

  static generic(cause: unknown): ConflictError {
    return new ConflictError('DB.CONSTRAINT_VIOLATION', 'The change conflicts with existing data', { cause });
  }
}

/** The state machine or another business rule refuses the change. */
export class RuleViolationError extends DomainError {
  readonly kind = 'rule' as const;

  static illegalTransition(from: string, to: string): RuleViolationError {
    return new RuleViolationError('CONTRACT.ILLEGAL_TRANSITION', `A contract cannot move from ${from} to ${to}`);
  }

  static amountLocked(status: string): RuleViolationError {
    return new RuleViolationError('CONTRACT.AMOUNT_LOCKED', `The amount can only change while the contract is draft (it is ${status})`);
  }

  static invalidParty(code: string, message: string): RuleViolationError {
    return new RuleViolationError(code, message);
  }
}

export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden' as const;
}

/** The database is unreachable, busy or chose this transaction as a victim: retry the whole operation. */
export class UnavailableError extends DomainError {
  readonly kind = 'unavailable' as const;
  override readonly retryable = true;

  static unavailable(cause: unknown): UnavailableError {
    return new UnavailableError('DB.UNAVAILABLE', 'The database is unavailable right now; retry shortly', { cause });
  }

  /**
   * No write connection became free in time. Either writers in this process queue longer than the busy timeout
   * (retry), or a top-level transaction was opened while its own caller holds the connection (em.begin() on
   * another EntityManager): then it can never succeed, and the fix is to pass the caller's EntityManager.
   */
  static writeConnectionTimeout(waitedMs: number, cause?: unknown): UnavailableError {
    return new UnavailableError(
      'DB.WRITE_CONNECTION_TIMEOUT',
      `No write connection became free within ${waitedMs} ms: another transaction in this process holds it. ` +
        'If this call runs inside a transaction, pass that transaction\'s EntityManager so it joins instead of opening a new one.',
      { cause },
    );
  }

  static contention(cause: unknown): UnavailableError {
    return new UnavailableError('DB.CONTENTION', 'The database is busy with conflicting work; retry shortly', { cause });
  }
}

/**
 * The host application used the services in a way that cannot work (a programming error, not bad input):
 * the message says what to change.
 */
export class TransactionUsageError extends DomainError {
  readonly kind = 'usage' as const;

  static readOnly(): TransactionUsageError {
    return new TransactionUsageError(
      'TX.READ_ONLY',
      'A writing operation was called inside a read-only transaction; call it inside a read-write transaction or outside any',
    );
  }

  /** SQLite has one write connection per ORM: a second top-level transaction in the same flow waits for itself. */
  static nestedTopLevel(): TransactionUsageError {
    return new TransactionUsageError(
      'TX.NESTED_TOP_LEVEL',
      "A new top-level transaction was opened while this code already runs inside one on SQLite's single write " +
        'connection (it would wait for itself). Pass the transaction\'s EntityManager to the service so it joins, ' +
        'or use TransactionPropagation.REQUIRED / NESTED.',
    );
  }
}

/**
 * An error of a command-line tool or of start-up, whose kind depends on the code (a refused setting, a rule, a
 * database that cannot be reached). Each tool names its own subclass, so logs say which tool refused.
 */
export class OperationError extends DomainError {
  constructor(
    code: string,
    message: string,
    readonly kind: ErrorKind = 'rule',
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

export class ConfigError extends DomainError {
  readonly kind = 'config' as const;
}

/** Anything we did not anticipate. The message is generic on purpose. */
export class InternalError extends DomainError {
  readonly kind = 'internal' as const;

  static wrap(cause: unknown): InternalError {
    return new InternalError('INTERNAL', 'An internal error occurred', { cause });
  }
}
