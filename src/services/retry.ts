import { DomainError } from '../errors/domain-error';

export interface RetryOptions {
  /** Total tries including the first. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Which failures to retry; by default DomainErrors marked `retryable` (DB.CONTENTION, DB.UNAVAILABLE). */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * Retries a whole operation (a whole transaction, never half of one) with bounded attempts and full
 * jitter: delay = random(0, min(max, base · 2^attempt)). Rethrows the last error when attempts run out.
 */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const base = options.baseDelayMs ?? 20;
  const max = options.maxDelayMs ?? 1000;
  const shouldRetry = options.shouldRetry ?? ((e) => e instanceof DomainError && e.retryable);
  const sleep = options.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= attempts || !shouldRetry(error, attempt)) throw error;
      await sleep(Math.floor(random() * Math.min(max, base * 2 ** attempt)));
    }
  }
}
