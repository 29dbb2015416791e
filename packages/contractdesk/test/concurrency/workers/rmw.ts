import type { EntityManager } from '@mikro-orm/knex';
import { ContractService } from '../../../src/services/contract.service';
import { DomainError } from '../../../src/errors/domain-error';

export interface RmwResult {
  /** Successful updates per contract id (a two-contract update counts once for each). */
  successes: Record<string, number>;
  attempts: number;
  conflicts: number;
  /** DB.CONTENTION (SQLITE_BUSY / lock timeouts / deadlocks) — must stay 0. */
  busy: number;
  otherErrors: string[];
}

/**
 * `workers` concurrent loops, each doing `perWorker` successful read-modify-writes of the contracts'
 * amounts (+1), retrying on CONTRACT.VERSION_CONFLICT. Every third write changes two contracts in one
 * flush (ContractService.reviseAmounts), the path MikroORM 6 batching would break.
 * Reads happen outside the write transaction on purpose: the caller's version is what makes it safe.
 */
export async function runReadModifyWrite(
  ems: Array<() => EntityManager>,
  ids: string[],
  options: { workers: number; perWorker: number },
): Promise<RmwResult> {
  const result: RmwResult = { successes: Object.fromEntries(ids.map((id) => [id, 0])), attempts: 0, conflicts: 0, busy: 0, otherErrors: [] };
  const worker = async (w: number) => {
    const service = () => new ContractService(ems[w % ems.length]());
    let done = 0;
    let step = 0;
    while (done < options.perWorker) {
      step++;
      result.attempts++;
      const pair = step % 3 === 0 && ids.length >= 2;
      const first = ids[(w + step) % ids.length];
      const second = ids[(w + step + 1) % ids.length];
      try {
        if (pair) {
          const [a, b] = await Promise.all([service().get(first), service().get(second)]);
          await service().reviseAmounts([
            { id: a.id, expectedVersion: a.version, amount: a.amount + 1n },
            { id: b.id, expectedVersion: b.version, amount: b.amount + 1n },
          ]);
          result.successes[first]++;
          result.successes[second]++;
        } else {
          const c = await service().get(first);
          await service().reviseAmount(c.id, { expectedVersion: c.version, amount: c.amount + 1n });
          result.successes[first]++;
        }
        done++;
      } catch (error) {
        if (error instanceof DomainError && error.code === 'CONTRACT.VERSION_CONFLICT') result.conflicts++;
        else if (error instanceof DomainError && error.code === 'DB.CONTENTION') result.busy++;
        else {
          result.otherErrors.push(String((error as Error)?.stack ?? error));
          if (result.otherErrors.length > 5) throw error;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: options.workers }, (_, w) => worker(w)));
  return result;
}

export function mergeResults(results: RmwResult[]): RmwResult {
  const merged: RmwResult = { successes: {}, attempts: 0, conflicts: 0, busy: 0, otherErrors: [] };
  for (const r of results) {
    for (const [id, n] of Object.entries(r.successes)) merged.successes[id] = (merged.successes[id] ?? 0) + n;
    merged.attempts += r.attempts;
    merged.conflicts += r.conflicts;
    merged.busy += r.busy;
    merged.otherErrors.push(...r.otherErrors);
  }
  return merged;
}
