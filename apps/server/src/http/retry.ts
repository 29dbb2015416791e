import { DomainError } from 'contractdesk';
import { withRetry } from 'contractdesk';

/**
 * Retries an operation the database rolled back as a deadlock/lock-timeout victim (DB.CONTENTION): the
 * transaction left no trace, so running it again is safe even for non-idempotent writes. DB.UNAVAILABLE is
 * not retried here (a lost connection may have committed); the client gets 503 + Retry-After instead.
 */
export function retryContention<T>(operation: () => Promise<T>): Promise<T> {
  return withRetry(operation, { attempts: 3, shouldRetry: (e) => e instanceof DomainError && e.code === 'DB.CONTENTION' });
}
