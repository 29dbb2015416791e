import type { EntityManager } from '@mikro-orm/knex';
import { DomainError } from '../../../src/errors/domain-error';
import { AccessService } from '../../../src/services/access.service';

export interface ClaimResult {
  won: string[];
  closed: string[];
  other: string[];
}

/** Every user claims at the same moment, each through its own service on its own fork (a request each). */
export async function claimAll(em: () => EntityManager, userIds: string[]): Promise<ClaimResult> {
  const result: ClaimResult = { won: [], closed: [], other: [] };
  await Promise.all(
    userIds.map(async (id) => {
      try {
        await new AccessService(em()).claimFirstAdmin(id);
        result.won.push(id);
      } catch (error) {
        if (error instanceof DomainError && error.code === 'ACCESS.BOOTSTRAP_CLOSED') result.closed.push(id);
        else result.other.push(`${id}: ${error instanceof DomainError ? error.code : String(error)}`);
      }
    }),
  );
  return result;
}

export function merge(results: ClaimResult[]): ClaimResult {
  return {
    won: results.flatMap((r) => r.won),
    closed: results.flatMap((r) => r.closed),
    other: results.flatMap((r) => r.other),
  };
}
