import { claimEndpoint } from '../db/push-claim';
import { PushSubscription } from '../entities/push-subscription.entity';
import { User } from '../entities/user.entity';
import { type PushEndpointPolicy, DEFAULT_PUSH_POLICY, checkPushEndpoint, checkPushKeys } from '../domain/push-endpoint';
import * as validate from '../domain/validation';
import { ConflictError, NotFoundError } from '../errors/domain-error';
import { type Em, TransactionScope } from './transaction-scope';

export interface SubscribeInput {
  endpoint: unknown;
  keys: unknown;
}

export class PushSubscriptionService {
  private readonly tx: TransactionScope;

  constructor(
    em: Em,
    private readonly policy: PushEndpointPolicy = DEFAULT_PUSH_POLICY,
  ) {
    this.tx = new TransactionScope(em);
  }

  /**
   * Claims or refreshes an endpoint in one statement (db/push-claim.ts). Under concurrency each claim either
   * inserts, updates the caller's own row, or finds the row belongs to someone else: PUSH.ENDPOINT_CLAIMED, and
   * the owner's row is untouched.
   */
  async subscribe(userId: unknown, input: SubscribeInput): Promise<PushSubscription> {
    const uid = validate.uuid('userId', userId);
    const body = validate.record('input', input);
    const endpoint = checkPushEndpoint(body.endpoint, this.policy);
    const keys = checkPushKeys(body.keys);
    try {
      return await this.tx.write(async (em) => {
        const claimed = await claimEndpoint(em, uid, endpoint, keys);
        if (claimed) return claimed;
        const exists = await em.count(User, { id: uid });
        if (!exists) throw NotFoundError.user(uid);
        throw ConflictError.endpointClaimed();
      });
    } catch (error) {
      if (error instanceof ConflictError && error.code === 'DB.REFERENCE_VIOLATION') throw NotFoundError.user(uid);
      throw error;
    }
  }

  /** Removes the caller's own subscription only; someone else's endpoint looks exactly like a missing one. */
  async unsubscribe(userId: unknown, endpoint: unknown): Promise<void> {
    const uid = validate.uuid('userId', userId);
    const canonical = canonicalEndpoint(endpoint, this.policy);
    const deleted = await this.tx.write((em) => em.nativeDelete(PushSubscription, { endpoint: canonical, user: uid }));
    if (deleted === 0) throw NotFoundError.pushSubscription(canonical);
  }

  listForUser(userId: unknown): Promise<PushSubscription[]> {
    const uid = validate.uuid('userId', userId);
    return this.tx.read((em) => em.find(PushSubscription, { user: uid }, { orderBy: { createdAt: 'desc', id: 'desc' } }));
  }
}

/**
 * Unsubscribing must work even for an endpoint the current policy would now refuse (the allowlist may
 * have shrunk), so only normalise it the same way subscribe did, without judging the host.
 */
function canonicalEndpoint(endpoint: unknown, policy: PushEndpointPolicy): string {
  try {
    return checkPushEndpoint(endpoint, policy);
  } catch {
    const raw = validate.text('endpoint', endpoint, { max: policy.maxLength });
    try {
      return new URL(raw).href;
    } catch {
      return raw;
    }
  }
}
