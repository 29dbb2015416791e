import type { EntityManager } from '@mikro-orm/knex';
import { DomainError } from '../errors/domain-error';
import { toDriverException } from '../errors/native';
import { translateError } from '../errors/translate';

export type Em = EntityManager;

/**
 * Every service operation runs in its own fork of the caller's EntityManager: a fresh identity map per
 * unit of work, so a decision is never made on an entity cached by an earlier request, and memory stays
 * bounded in long-lived services. Errors leave here only as DomainErrors.
 */
export class TransactionScope {
  constructor(private readonly em: Em) {}

  /**
   * Read, decide and write in one transaction. On SQLite it begins IMMEDIATE (the write lock is taken
   * up front); on PostgreSQL it runs at READ COMMITTED, so each operation must still make its decisive
   * check atomic (version in the UPDATE's WHERE, a unique index, a row lock, or one upsert statement).
   *
   * begin/commit on the operation's own fork rather than `em.transactional()`: the same transaction and
   * the same flush-before-commit, without the second fork and identity-map merge transactional() does.
   */
  async write<T>(work: (em: Em) => Promise<T>): Promise<T> {
    const em = this.em.fork({ clear: true });
    try {
      await em.begin();
      try {
        const result = await work(em);
        await em.commit(); // flushes first
        return result;
      } catch (error) {
        await em.rollback().catch(() => undefined);
        throw error;
      }
    } catch (error) {
      throw this.translate(error);
    }
  }

  /** Reads that need no transaction (one statement, or no cross-statement consistency required). */
  async read<T>(work: (em: Em) => Promise<T>): Promise<T> {
    try {
      return await work(this.em.fork({ clear: true }));
    } catch (error) {
      throw this.translate(error);
    }
  }

  /** Errors from a lean query come straight from the driver: let MikroORM classify them first. */
  private translate(error: unknown): DomainError {
    return translateError(toDriverException(error, this.em));
  }
}

