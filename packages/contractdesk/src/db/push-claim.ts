import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/knex';
import { PushSubscription } from '../entities/push-subscription.entity';

/**
 * Claims or refreshes an endpoint in ONE statement:
 *   insert … on conflict (endpoint) do update set p256dh, auth, updated_at where user_id = :caller returning *
 * Each claim either inserts, updates the caller's own row, or returns nothing because the row belongs to someone
 * else (null here). (em.upsert cannot be used: on a rejected conflict it returns an entity carrying the caller's values.)
 */
export async function claimEndpoint(
  em: EntityManager,
  userId: string,
  endpoint: string,
  keys: { p256dh: string; auth: string },
): Promise<PushSubscription | null> {
  const now = new Date();
  const rows: Array<Record<string, unknown>> = await em
    .createQueryBuilder(PushSubscription)
    .insert({ id: randomUUID(), endpoint, p256dh: keys.p256dh, auth: keys.auth, user: userId, createdAt: now, updatedAt: now })
    .onConflict('endpoint')
    .merge(['p256dh', 'auth', 'updatedAt'])
    .where({ user: userId })
    .returning(['id', 'endpoint', 'p256dh', 'auth', 'user', 'createdAt', 'updatedAt'])
    .execute('all', false);
  return rows.length ? em.map(PushSubscription, rows[0]) : null;
}
