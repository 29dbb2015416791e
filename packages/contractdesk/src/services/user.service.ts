import { User } from '../entities/user.entity';
import { Contract } from '../entities/contract.entity';
import * as validate from '../domain/validation';
import { ConflictError, NotFoundError } from '../errors/domain-error';
import { type Em, TransactionScope } from './transaction-scope';
import { LeanQuery } from '../db/lean-query';
import { ViewQuery } from '../db/view-query';
import { USER_IDENTITY_FIELDS, type UserIdentity } from '../views/user-identity';

const BY_SUBJECT = new LeanQuery(User, (col) => `${col('authSubject')} = ?`);
// The HTTP guard resolves a token's subject on every authenticated request: a read model, no entity.
const IDENTITY_BY_SUBJECT = new ViewQuery(User, USER_IDENTITY_FIELDS, (col) => `${col('authSubject')} = ?`);

export interface RegisterUserInput {
  username: unknown;
  email: unknown;
  role: unknown;
}

export class UserService {
  private readonly tx: TransactionScope;

  constructor(em: Em) {
    this.tx = new TransactionScope(em);
  }

  /**
   * Creates a user bound to `authSubject` (the verified token's subject), once: the unique indexes decide
   * atomically, so of two registrations for one subject exactly one wins (USER.SUBJECT_TAKEN for the other),
   * as do USER.USERNAME_TAKEN / USER.EMAIL_TAKEN. The subject is omitted only by library callers that have
   * no token layer; such a user cannot be reached through the HTTP app.
   */
  async register(input: RegisterUserInput, authSubject?: string): Promise<User> {
    const props = validate.record<RegisterUserInput>('input', input);
    const user = new User({ ...props, authSubject: authSubject === undefined ? null : validate.authSubject(authSubject) });
    return this.tx.write(async (em) => {
      em.persist(user);
      await em.flush();
      return user;
    });
  }

  /**
   * The user bound to a verified token's subject, or null (never registered, or deleted since). Read from the
   * primary, never a replica: this decides who is calling, and a lagging replica would keep a deleted user
   * authenticated and refuse one who just registered.
   */
  findBySubject(authSubject: unknown): Promise<User | null> {
    const subject = validate.authSubject(authSubject);
    return this.tx.read((em) => BY_SUBJECT.findOne(em, [subject], 'primary'));
  }

  /** `findBySubject` as a read model: who the subject is (the user's id), or null; also from the primary only. */
  identifySubject(authSubject: unknown): Promise<UserIdentity | null> {
    const subject = validate.authSubject(authSubject);
    return this.tx.query((em) => IDENTITY_BY_SUBJECT.one(em, [subject], 'primary'));
  }

  get(id: unknown): Promise<User> {
    const userId = validate.uuid('id', id);
    return this.tx.read(async (em) => {
      const user = await em.findOne(User, { id: userId });
      if (!user) throw NotFoundError.user(userId);
      return user;
    });
  }

  /** Newest first; `id` breaks ties so pages are stable. */
  async list(options: { limit?: unknown; offset?: unknown } = {}): Promise<User[]> {
    const page = validate.record<{ limit?: unknown; offset?: unknown }>('options', options);
    const limit = validate.listLimit(page.limit);
    const offset = page.offset === undefined ? 0 : validate.integer('offset', page.offset, 0, 1_000_000);
    return this.tx.read((em) => em.find(User, {}, { orderBy: { createdAt: 'desc', id: 'desc' }, limit, offset }));
  }

  /**
   * Refused while the user is party to contracts. The count is a courtesy check; the decisive one is the
   * RESTRICT foreign key, so a contract created concurrently still blocks the delete (DB.REFERENCE_VIOLATION
   * is mapped back to USER.HAS_CONTRACTS).
   */
  async delete(id: unknown): Promise<void> {
    const userId = validate.uuid('id', id);
    try {
      await this.tx.write(async (em) => {
        const user = await em.findOne(User, { id: userId });
        if (!user) throw NotFoundError.user(userId);
        const contracts = await em.count(Contract, { $or: [{ client: userId }, { freelancer: userId }] });
        if (contracts > 0) throw ConflictError.userHasContracts(userId);
        await em.nativeDelete(User, { id: userId });
      });
    } catch (error) {
      if (error instanceof ConflictError && error.code === 'DB.REFERENCE_VIOLATION') throw ConflictError.userHasContracts(userId);
      throw error;
    }
  }
}
