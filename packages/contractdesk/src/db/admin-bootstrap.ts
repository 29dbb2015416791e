import type { QueryResult } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { AdminBootstrap } from '../entities/admin-bootstrap.entity';

/**
 * The first-administrator claim as ONE statement: `insert into contractdesk_admin_bootstrap (id = 1, …) on conflict (id)
 * do nothing`. The primary key decides, so under any concurrency (threads, processes, app instances) exactly
 * one insert affects a row; every other one affects none and reports that. On PostgreSQL a concurrent
 * insert waits for the winner's transaction and then sees the conflict; on SQLite writers are serialised.
 * A check-then-insert (select, then insert) would let two callers both see "unclaimed".
 */
export async function claimAdminBootstrap(em: EntityManager, claim: { userId: string; authSubject: string }): Promise<boolean> {
  const result = await em
    .createQueryBuilder(AdminBootstrap)
    .insert({ id: 1, userId: claim.userId, authSubject: claim.authSubject, claimedAt: new Date() })
    .onConflict('id')
    .ignore()
    .execute<QueryResult<AdminBootstrap>>('run');
  return result.affectedRows === 1;
}

/** Whether the claim has been made (for /health-style reporting and the start-up warning). */
export async function adminBootstrapClaimed(em: EntityManager): Promise<boolean> {
  return (await em.count(AdminBootstrap, { id: 1 })) > 0;
}
