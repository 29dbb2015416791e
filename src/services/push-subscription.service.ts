import { randomUUID } from 'node:crypto';
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
   * Claims or refreshes an endpoint in ONE statement:
   *   insert … on conflict (endpoint) do update set p256dh, auth, updated_at where user_id = :caller returning *
   * Under concurrency each claim either inserts, updates the caller's own row, or returns nothing because
   * the row belongs to someone else; the last case is PUSH.ENDPOINT_CLAIMED and the owner's row is untouched.
   * (em.upsert cannot be used: on a rejected conflict it returns an entity carrying the caller's values.)
   */
  async subscribe(userId: unknown, input: SubscribeInput): Promise<PushSubscription> {
    const uid = validate.uuid('userId', userId);
    const body = validate.record('input', input);
    const endpoint = checkPushEndpoint(body.endpoint, this.policy);
    const keys = checkPushKeys(body.keys);
    try {
      return await this.tx.write(async (em) => {
        const now = new Date();
        const rows: Array<Record<string, unknown>> = await em
          .createQueryBuilder(PushSubscription)
          .insert({ id: randomUUID(), endpoint, p256dh: keys.p256dh, auth: keys.auth, user: uid, createdAt: now, updatedAt: now })
          .onConflict('endpoint')
          .merge(['p256dh', 'auth', 'updatedAt'])
          .where({ user: uid })
          .returning(['id', 'endpoint', 'p256dh', 'auth', 'user', 'createdAt', 'updatedAt'])
          .execute('all', false);
        if (rows.length === 0) {
          const exists = await em.count(User, { id: uid });
          if (!exists) throw NotFoundError.user(uid);
          throw ConflictError.endpointClaimed();
        }
        return em.map(PushSubscription, rows[0]);
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
