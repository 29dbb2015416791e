import { Contract } from '../entities/contract.entity';
import { User } from '../entities/user.entity';
import * as validate from '../domain/validation';
import { ConflictError, NotFoundError, ValidationError } from '../errors/domain-error';
import { LeanQuery } from '../db/lean-query';
import { ViewQuery } from '../db/view-query';
import { CONTRACT_VIEW_FIELDS, type ContractView } from '../views/contract-view';
import { type Em, TransactionScope } from './transaction-scope';

// Entity reads as lean queries (SQL written once, entities through em.map into the operation's fork).
const BY_ID = new LeanQuery(Contract, (col) => `${col('id')} = ?`);
const NEWEST_FIRST = (side: 'client' | 'freelancer') =>
  new LeanQuery(Contract, (col) => `${col(side)} = ? order by ${col('createdAt')} desc, ${col('id')} desc limit ?`);
const LIST_BY = { client: NEWEST_FIRST('client'), freelancer: NEWEST_FIRST('freelancer') };

// The read side: the same reads as read models, for callers that only show what they read.
const VIEW_BY_ID = new ViewQuery(Contract, CONTRACT_VIEW_FIELDS, (col) => `${col('id')} = ?`);
const VIEWS_NEWEST_FIRST = (side: 'client' | 'freelancer') =>
  new ViewQuery(Contract, CONTRACT_VIEW_FIELDS, (col) => `${col(side)} = ? order by ${col('createdAt')} desc, ${col('id')} desc limit ?`);
const VIEWS_BY = { client: VIEWS_NEWEST_FIRST('client'), freelancer: VIEWS_NEWEST_FIRST('freelancer') };

export interface CreateContractInput {
  title: unknown;
  clientId: unknown;
  freelancerId: unknown;
  amount: unknown;
}

export interface VersionedChange {
  /** The version the caller last saw; a newer one in the database is a CONTRACT.VERSION_CONFLICT. */
  expectedVersion: unknown;
}

/**
 * Runs inside the operation's write transaction on each contract as loaded there, before anything changes:
 * typically "the caller must be a party". It shares the operation's read (no second SELECT) and decides on the
 * same row the write is checked against. Throwing refuses the whole operation; nothing is written.
 */
export type ContractGuard = (contract: Contract) => void | Promise<void>;

export interface ChangeOptions {
  guard?: ContractGuard;
}

export class ContractService {
  private readonly tx: TransactionScope;

  constructor(em: Em) {
    this.tx = new TransactionScope(em);
  }

  /** Party roles are checked by the Contract constructor; the FKs catch a party deleted concurrently. */
  async create(body: CreateContractInput): Promise<Contract> {
    const input = validate.record<CreateContractInput>('input', body);
    const clientId = validate.uuid('clientId', input.clientId);
    const freelancerId = validate.uuid('freelancerId', input.freelancerId);
    try {
      return await this.tx.write(async (em, scope) => {
        const [client, freelancer] = await Promise.all([em.findOne(User, { id: clientId }), em.findOne(User, { id: freelancerId })]);
        if (!client) throw NotFoundError.user(clientId);
        if (!freelancer) throw NotFoundError.user(freelancerId);
        const contract = new Contract({ title: input.title, client, freelancer, amount: input.amount });
        em.persist(contract);
        // In our own transaction the flush before COMMIT inserts it (a party deleted meanwhile fails there).
        if (!scope.commitFlushes) await em.flush();
        return contract;
      });
    } catch (error) {
      if (error instanceof ConflictError && error.code === 'DB.REFERENCE_VIOLATION') {
        throw new NotFoundError('USER.NOT_FOUND', 'A party of the contract no longer exists', 'User', `${clientId},${freelancerId}`);
      }
      throw error;
    }
  }

  get(id: unknown): Promise<Contract> {
    const contractId = validate.uuid('id', id);
    return this.tx.read(async (em) => {
      const contract = await BY_ID.findOne(em, [contractId]);
      if (!contract) throw NotFoundError.contract(contractId);
      return contract;
    });
  }

  /**
   * The contract as a read model (a frozen ContractView, views/contract-view.ts) rather than an entity: for callers
   * that show it or decide nothing on it. Same checks and errors as `get`; changes still go through `transition` & co.
   */
  view(id: unknown): Promise<ContractView> {
    const contractId = validate.uuid('id', id);
    return this.tx.query(async (em) => {
      const view = await VIEW_BY_ID.one(em, [contractId]);
      if (!view) throw NotFoundError.contract(contractId);
      return view;
    });
  }

  /** `listForClient` as read models. */
  async listViewsForClient(clientId: unknown, options: { limit?: unknown } = {}): Promise<ContractView[]> {
    const { limit } = validate.record<{ limit?: unknown }>('options', options);
    const userId = validate.uuid('clientId', clientId);
    return this.tx.query((em) => VIEWS_BY.client.all(em, [userId, validate.listLimit(limit)]));
  }

  /** `listForFreelancer` as read models. */
  async listViewsForFreelancer(freelancerId: unknown, options: { limit?: unknown } = {}): Promise<ContractView[]> {
    const { limit } = validate.record<{ limit?: unknown }>('options', options);
    const userId = validate.uuid('freelancerId', freelancerId);
    return this.tx.query((em) => VIEWS_BY.freelancer.all(em, [userId, validate.listLimit(limit)]));
  }

  async listForClient(clientId: unknown, options: { limit?: unknown } = {}): Promise<Contract[]> {
    const { limit } = validate.record<{ limit?: unknown }>('options', options);
    return this.listFor('client', validate.uuid('clientId', clientId), validate.listLimit(limit));
  }

  async listForFreelancer(freelancerId: unknown, options: { limit?: unknown } = {}): Promise<Contract[]> {
    const { limit } = validate.record<{ limit?: unknown }>('options', options);
    return this.listFor('freelancer', validate.uuid('freelancerId', freelancerId), validate.listLimit(limit));
  }

  async transition(id: unknown, change: VersionedChange & { to: unknown }, options: ChangeOptions = {}): Promise<Contract> {
    validate.record('change', change);
    return this.change(id, change.expectedVersion, options.guard, (contract) => contract.transitionTo(change.to));
  }

  async reviseAmount(id: unknown, change: VersionedChange & { amount: unknown }, options: ChangeOptions = {}): Promise<Contract> {
    validate.record('change', change);
    return this.change(id, change.expectedVersion, options.guard, (contract) => contract.reviseAmount(change.amount));
  }

  async rename(id: unknown, change: VersionedChange & { title: unknown }, options: ChangeOptions = {}): Promise<Contract> {
    validate.record('change', change);
    return this.change(id, change.expectedVersion, options.guard, (contract) => contract.rename(change.title));
  }

  /**
   * Re-prices several draft contracts at once, all or nothing: one transaction in which each row gets its own
   * `update … where id = ? and version = ?`, whatever the ORM's `useBatchUpdates`, so one stale version fails the
   * whole change and nothing is written.
   */
  async reviseAmounts(changes: unknown, options: ChangeOptions = {}): Promise<Contract[]> {
    if (!Array.isArray(changes) || changes.length === 0 || changes.length > validate.LIMITS.amountRevisionsMax) {
      throw new ValidationError('VALIDATION.INVALID_VALUE', 'changes', `changes must be a list of 1 to ${validate.LIMITS.amountRevisionsMax} amount revisions`);
    }
    // Array.from visits holes (map skips them), so a sparse list fails validation instead of reaching SQL.
    const parsed = Array.from(changes, (c: Record<string, unknown> | undefined, i) => ({
      id: validate.uuid(`changes[${i}].id`, c?.id),
      expected: validate.integer(`changes[${i}].expectedVersion`, c?.expectedVersion, 1, validate.LIMITS.versionMax),
      amount: validate.stroops(`changes[${i}].amount`, c?.amount),
    }));
    if (new Set(parsed.map((c) => c.id)).size !== parsed.length) {
      throw new ValidationError('VALIDATION.DUPLICATE', 'changes', 'each contract may appear only once');
    }
    try {
      return await this.tx.write(async (em) => {
        // Loaded in id order, so the flush updates (and row-locks) them in id order: two concurrent batches
        // over the same contracts then queue behind each other instead of deadlocking.
        const loaded = await em.find(Contract, { id: { $in: parsed.map((c) => c.id) } }, { orderBy: { id: 'asc' } });
        const byId = new Map(loaded.map((c) => [c.id, c]));
        // Every contract found and allowed before any version is compared: a caller who may not touch one
        // of them learns that, not which versions are current.
        const contracts: Contract[] = [];
        for (const change of parsed) {
          const contract = byId.get(change.id);
          if (!contract) throw NotFoundError.contract(change.id);
          await options.guard?.(contract);
          contracts.push(contract);
        }
        parsed.forEach((change, i) => {
          if (contracts[i].version !== change.expected) throw ConflictError.versionConflict(change.id, change.expected, contracts[i].version);
        });
        // One change and one flush per contract, in id order (so concurrent batches lock rows in the same order). A
        // flush that updates several entities of one type takes MikroORM's batched-update path when the ORM has
        // `useBatchUpdates` on (a host's choice, and MikroORM's default), which checks versions with a separate
        // SELECT and then updates by primary key only; a flush with one changed contract always sends
        // `update … where id = ? and version = ?`. The transaction keeps the whole change atomic.
        const byIdOrder = parsed.map((change, i) => ({ change, contract: contracts[i] })).sort((a, b) => (a.contract.id < b.contract.id ? -1 : 1));
        for (const { change, contract } of byIdOrder) {
          contract.reviseAmount(change.amount);
          await em.flush();
        }
        return contracts;
      });
    } catch (error) {
      if (error instanceof ConflictError && error.code === 'DB.VERSION_CONFLICT') {
        const stale = (error.cause as { entity?: { id?: string } } | undefined)?.entity?.id;
        const change = parsed.find((c) => c.id === stale) ?? parsed[0];
        throw ConflictError.versionConflict(change.id, change.expected);
      }
      throw error;
    }
  }

  private listFor(side: 'client' | 'freelancer', userId: string, limit: number): Promise<Contract[]> {
    return this.tx.read((em) => LIST_BY[side].find(em, [userId, limit]));
  }

  /**
   * Load, compare the caller's version, apply the entity's rule, flush. The flush issues
   * `update … where id = ? and version = ?`; if another writer committed after our read, zero rows match
   * and MikroORM raises OptimisticLockError, which becomes CONTRACT.VERSION_CONFLICT. Nothing is overwritten.
   */
  private async change(id: unknown, expectedVersion: unknown, guard: ContractGuard | undefined, apply: (contract: Contract) => void): Promise<Contract> {
    const contractId = validate.uuid('id', id);
    const expected = validate.integer('expectedVersion', expectedVersion, 1, validate.LIMITS.versionMax);
    try {
      return await this.tx.write(async (em, scope) => {
        const contract = await BY_ID.findOne(em, [contractId]);
        if (!contract) throw NotFoundError.contract(contractId);
        await guard?.(contract);
        if (contract.version !== expected) throw ConflictError.versionConflict(contractId, expected, contract.version);
        apply(contract);
        // In our own transaction the flush before COMMIT writes it (and raises a version conflict there).
        if (!scope.commitFlushes) await em.flush();
        return contract;
      });
    } catch (error) {
      if (error instanceof ConflictError && error.code === 'DB.VERSION_CONFLICT') {
        throw ConflictError.versionConflict(contractId, expected);
      }
      throw error;
    }
  }
}
