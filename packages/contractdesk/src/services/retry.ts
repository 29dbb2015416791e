import { DomainError } from '../errors/domain-error';
import { type RetryEvent, retryChannel } from '../observability/events';

export interface RetryOptions {
  /** Total tries including the first (1–100). Default 5. */
  attempts?: number;
  /** Cap of the first retry's delay; each later cap doubles. Default 20 ms. */
  baseDelayMs?: number;
  /** No delay is ever longer than this. Default 1000 ms. */
  maxDelayMs?: number;
  /**
   * The operation may safely run twice (it is keyed by ids the caller chose, carries an expected version,
   * or is a pure read). Only then is DB.UNAVAILABLE retried: a connection lost during COMMIT leaves it
   * unknown whether the commit happened, so repeating a plain insert could apply it twice.
   * DB.CONTENTION is always retried: the database rolled that transaction back, it left no trace.
   */
  idempotent?: boolean;
  /** Replaces the rule above entirely. */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Called before each wait, e.g. for a log line or a metric. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Full jitter: uniform in [0, min(max, base · 2^(attempt−1))), so colliding writers spread out. */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * cap);
}

/** The default rule: contention always, a lost connection only for idempotent operations. */
export function isRetryable(error: unknown, idempotent = false): boolean {
  if (!(error instanceof DomainError) || !error.retryable) return false;
  return error.code === 'DB.CONTENTION' || (idempotent && error.code === 'DB.UNAVAILABLE');
}

/**
 * Runs `operation` again when it fails with a retryable error, up to `attempts` tries in total, waiting a
 * jittered, exponentially growing delay in between; anything else, and the last failure, is rethrown
 * unchanged. `operation` must be a WHOLE unit of work (a service call, one `TransactionScope.write`), never a
 * step inside an open transaction: after a deadlock or a lost connection that transaction is gone, and
 * repeating half of it would apply the other half without it.
 */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 100) {
    throw new RangeError(`withRetry: attempts must be a whole number from 1 to 100, got ${attempts}`);
  }
  const base = options.baseDelayMs ?? 20;
  const max = options.maxDelayMs ?? 1000;
  const shouldRetry = options.shouldRetry ?? ((error: unknown) => isRetryable(error, options.idempotent));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= attempts || !shouldRetry(error, attempt)) throw error;
      const delay = backoffDelay(attempt, base, max, random);
      options.onRetry?.(error, attempt, delay);
      if (retryChannel.hasSubscribers) {
        retryChannel.publish({ reason: error instanceof DomainError ? error.code : 'other', attempt, delayMs: delay } satisfies RetryEvent);
      }
      await sleep(delay);
    }
  }
}
