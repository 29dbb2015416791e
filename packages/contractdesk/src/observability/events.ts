import { channel } from 'node:diagnostics_channel';
import type { DomainError } from '../errors/domain-error';

/**
 * What the library tells an observer, over `node:diagnostics_channel`: no dependency, no option to thread through
 * every service, and nothing built or timed while nobody subscribes (each publisher checks `hasSubscribers` first),
 * so the benchmarked paths cost one property read. A host subscribes with `diagnostics_channel.subscribe(name, fn)`
 * or registers the ready-made Prometheus collectors of `contractdesk/metrics`.
 *
 * Channels are process-wide: every ORM and service instance in the process publishes to the same ones.
 */
export const CHANNELS = {
  transaction: 'contractdesk:transaction',
  conflict: 'contractdesk:conflict',
  retry: 'contractdesk:retry',
  databaseError: 'contractdesk:database-error',
  replicaFallback: 'contractdesk:replica-fallback',
} as const;

/** How a unit of work that ContractDesk began itself ended. */
export type TransactionOutcome = 'committed' | 'conflict' | 'contention' | 'unavailable' | 'rolled_back';

/** `contractdesk:transaction`: one per `TransactionScope.write`, i.e. one per service write operation. */
export interface TransactionEvent {
  outcome: TransactionOutcome;
  /** Wall time from the operation's start to its commit or rollback. */
  durationMs: number;
  /**
   * The operation joined a caller's transaction: the caller commits or rolls back later, so `committed` here only
   * means the operation's own part succeeded. The ready-made collectors leave these out of the transaction series.
   */
  joined: boolean;
}

/** `contractdesk:conflict`: an optimistic version check refused a write (CONTRACT.VERSION_CONFLICT, DB.VERSION_CONFLICT). */
export interface ConflictEvent {
  code: string;
}

/** `contractdesk:retry`: `withRetry` is about to wait and run the operation again. */
export interface RetryEvent {
  /** The error's DomainError code (DB.CONTENTION, DB.UNAVAILABLE…), or 'other' for anything a custom rule retried. */
  reason: string;
  /** The attempt that failed (1 = the first try). */
  attempt: number;
  delayMs: number;
}

/** `contractdesk:database-error`: an operation failed with a transient database error (contention or outage). */
export interface DatabaseErrorEvent {
  code: 'DB.CONTENTION' | 'DB.UNAVAILABLE';
}

/** `contractdesk:replica-fallback`: a read replica failed to answer and the read ran on the primary. */
export interface ReplicaFallbackEvent {
  /** The replica connection's name (`replica1`, `replica2`… for DATABASE_REPLICA_URLS in order). */
  replica: string;
}

export const transactionChannel = channel(CHANNELS.transaction);
export const conflictChannel = channel(CHANNELS.conflict);
export const retryChannel = channel(CHANNELS.retry);
export const databaseErrorChannel = channel(CHANNELS.databaseError);
export const replicaFallbackChannel = channel(CHANNELS.replicaFallback);

const CONFLICT_CODES: ReadonlySet<string> = new Set(['CONTRACT.VERSION_CONFLICT', 'DB.VERSION_CONFLICT']);

/** The outcome an operation's failure counts as. */
export function outcomeOf(error: DomainError): TransactionOutcome {
  if (CONFLICT_CODES.has(error.code)) return 'conflict';
  if (error.code === 'DB.CONTENTION') return 'contention';
  if (error.code === 'DB.UNAVAILABLE') return 'unavailable';
  return 'rolled_back';
}

/** Publishes what a failed operation tells observers on its own (a read's failure included). */
export function publishFailure(error: DomainError): void {
  if (conflictChannel.hasSubscribers && CONFLICT_CODES.has(error.code)) {
    conflictChannel.publish({ code: error.code } satisfies ConflictEvent);
  }
  if (databaseErrorChannel.hasSubscribers && (error.code === 'DB.CONTENTION' || error.code === 'DB.UNAVAILABLE')) {
    databaseErrorChannel.publish({ code: error.code } satisfies DatabaseErrorEvent);
  }
}
