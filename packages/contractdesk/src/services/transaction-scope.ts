import { type TransactionOptions, TransactionPropagation } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { isReadOnlyTransaction } from '../db/lean-transaction';
import { DomainError, TransactionUsageError } from '../errors/domain-error';
import { toDriverException } from '../errors/native';
import { translateError } from '../errors/translate';
import { type TransactionEvent, outcomeOf, publishFailure, transactionChannel } from '../observability/events';

export type Em = EntityManager;

/**
 * How every service operation meets the database. It composes with the caller's code:
 *
 * - **Inside a caller's transaction** (`em.transactional()`, `em.begin()`, MikroORM's `@Transactional()`, or a
 *   service called from another service's operation) the operation joins it, with MikroORM's own
 *   `TransactionPropagation.REQUIRED`: same connection, same identity map, no commit of its own. Its flush and
 *   its decisive checks run there, and an error leaves the caller free to roll everything back.
 * - **Otherwise** each write is its own transaction on a fresh fork (a clean identity map, so a decision is never
 *   made on an entity cached by an earlier request), and each read runs on a fresh fork outside any transaction
 *   (on SQLite files and PostgreSQL replicas, on a read connection).
 *
 * What a joined operation keeps: the optimistic version check (`update … where id = ? and version = ?` is per
 * statement), the push claim (one statement), and on SQLite the write lock: every transaction our SQLite driver
 * begins for writing is BEGIN IMMEDIATE, the caller's included, so a caller cannot have opened the deferred kind
 * that would reopen SQLITE_BUSY upgrades. A caller's read-only transaction is refused for writes up front
 * (TX.READ_ONLY) instead of failing half-way.
 *
 * Errors leave here only as DomainErrors.
 */
/** What a write's work may rely on about the transaction it runs in. */
export interface WriteScope {
  /**
   * True when this write began the transaction: MikroORM flushes its fork before COMMIT, so a flush as the work's
   * last step only computes the change sets a second time (12–40 µs of client CPU per transition). False inside a
   * caller's transaction, where nothing flushes until the caller commits: work that must see its flush's checks
   * (the version check) flushes itself.
   */
  readonly commitFlushes: boolean;
}

const OWN: WriteScope = Object.freeze({ commitFlushes: true });
const JOINED: WriteScope = Object.freeze({ commitFlushes: false });

export class TransactionScope {
  constructor(private readonly em: Em) {}

  /** Read, decide and write atomically: in the caller's transaction if there is one, else in a new one. */
  async write<T>(work: (em: Em, scope: WriteScope) => Promise<T>): Promise<T> {
    // Timed only while someone listens: the write path is benchmarked.
    const started = transactionChannel.hasSubscribers ? performance.now() : undefined;
    const joined = (this.em.getContext(false) as Em).isInTransaction();
    const scope: WriteScope = joined ? JOINED : OWN;
    try {
      const result = await this.em.transactional((em) => {
        if (isReadOnlyTransaction(em.getTransactionContext())) throw TransactionUsageError.readOnly();
        return work(em as Em, scope);
      }, write());
      if (started !== undefined) publishTransaction('committed', started, joined);
      return result;
    } catch (error) {
      const failure = this.translate(error);
      if (started !== undefined) publishTransaction(outcomeOf(failure), started, joined);
      throw failure;
    }
  }

  /**
   * Reads that need no transaction of their own (one statement, or no cross-statement consistency required).
   * Inside a caller's transaction they read there, so the caller's own uncommitted writes are visible.
   */
  async read<T>(work: (em: Em) => Promise<T>): Promise<T> {
    try {
      const current = this.em.getContext(false) as Em;
      return await work(current.isInTransaction() ? current : (current.fork({ clear: true }) as Em));
    } catch (error) {
      throw this.translate(error);
    }
  }

  /**
   * Reads that build no entities (read models): nothing lands in an identity map, so they need no fork. Inside a
   * caller's transaction they read there, as `read` does.
   */
  async query<T>(work: (em: Em) => Promise<T>): Promise<T> {
    try {
      return await work(this.em.getContext(false) as Em);
    } catch (error) {
      throw this.translate(error);
    }
  }

  /** Errors from a lean query come straight from the driver: let MikroORM classify them first. */
  private translate(error: unknown): DomainError {
    const failure = translateError(toDriverException(error, this.em));
    publishFailure(failure);
    return failure;
  }
}

function publishTransaction(outcome: TransactionEvent['outcome'], started: number, joined: boolean): void {
  transactionChannel.publish({ outcome, durationMs: performance.now() - started, joined } satisfies TransactionEvent);
}

/**
 * REQUIRED: join the current transaction, or begin one. `clear`: a new transaction starts from an empty identity
 * map (no decision on an entity an earlier request cached); MikroORM merges what it loaded back into the caller's
 * context when it commits. A new object per call: MikroORM's TransactionManager writes the current transaction
 * into the options it is given (`options.ctx ??= …`), so a shared constant would carry one call's finished
 * transaction into the next.
 */
function write(): TransactionOptions {
  return { propagation: TransactionPropagation.REQUIRED, clear: true };
}
