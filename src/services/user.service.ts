import { User } from '../entities/user.entity';
import { Contract } from '../entities/contract.entity';
import * as validate from '../domain/validation';
import { ConflictError, NotFoundError } from '../errors/domain-error';
import { type Em, TransactionScope } from './transaction-scope';

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

  /** The unique indexes decide uniqueness atomically; a violation becomes USER.USERNAME_TAKEN / USER.EMAIL_TAKEN. */
  async register(input: RegisterUserInput): Promise<User> {
    const user = new User(validate.record<RegisterUserInput>('input', input));
    return this.tx.write(async (em) => {
      em.persist(user);
      await em.flush();
      return user;
    });
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
