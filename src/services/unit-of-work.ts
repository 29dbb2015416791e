import type { EntityManager } from '@mikro-orm/knex';
import { translateError } from '../errors/translate';
import { toDriverException } from '../errors/native';

export type Em = EntityManager;

/**
 * Every service operation runs in its own fork of the caller's EntityManager: a fresh identity map per
 * unit of work, so a decision is never made on an entity cached by an earlier request, and memory stays
 * bounded in long-lived services. Errors leave here only as DomainErrors.
 */
export class UnitOfWork {
  constructor(private readonly em: Em) {}

  /**
   * Read, decide and write in one transaction. On SQLite it begins IMMEDIATE (the write lock is taken
   * up front); on PostgreSQL it runs at READ COMMITTED, so each operation must still make its decisive
   * check atomic (version in the UPDATE's WHERE, a unique index, a row lock, or one upsert statement).
   */
  async write<T>(work: (em: Em) => Promise<T>): Promise<T> {
    try {
      return await this.em.fork({ clear: true }).transactional((em) => work(em as Em));
    } catch (error) {
      throw translateError(toDriverException(error, this.em));
    }
  }

  /** Reads that need no transaction (one statement, or no cross-statement consistency required). */
  async read<T>(work: (em: Em) => Promise<T>): Promise<T> {
    try {
      return await work(this.em.fork({ clear: true }));
    } catch (error) {
      throw translateError(toDriverException(error, this.em));
    }
  }
}
