import type { EntityManager } from '@mikro-orm/knex';
import { Contract } from '../../../src/entities/contract.entity';
import { User } from '../../../src/entities/user.entity';
import { PartyRole } from '../../../src/domain/party-role';
import { TransactionScope } from '../../../src/services/transaction-scope';

/**
 * A "batch" is 2 users and `contracts` contracts written in ONE service transaction, every row tagged
 * (usernames "<tag>-c"/"<tag>-f", titles "<tag>#<i>"), so after a fault the rows per tag show whether
 * the transaction was applied whole, not at all, or (the failure we test for) in part.
 */
export async function writeBatch(
  em: EntityManager,
  tag: string,
  options: { contracts?: number; between?: (step: number) => Promise<void> } = {},
): Promise<void> {
  const contracts = options.contracts ?? 5;
  await new TransactionScope(em).write(async (tx) => {
    const client = new User({ username: `${tag}-c`, email: `${tag}-c@example.com`, role: PartyRole.Client });
    const freelancer = new User({ username: `${tag}-f`, email: `${tag}-f@example.com`, role: PartyRole.Freelancer });
    tx.persist([client, freelancer]);
    await tx.flush();
    for (let i = 0; i < contracts; i++) {
      await options.between?.(i);
      tx.persist(new Contract({ title: `${tag}#${i}`, client, freelancer, amount: 1_000_000n }));
      await tx.flush();
    }
  });
}

export interface BatchRows {
  users: number;
  contracts: number;
}

/** Rows per tag for every batch whose tag starts with `prefix`, read on a fresh fork. */
export async function batchRows(em: EntityManager, prefix: string): Promise<Map<string, BatchRows>> {
  const rows = new Map<string, BatchRows>();
  const entry = (tag: string) => rows.get(tag) ?? rows.set(tag, { users: 0, contracts: 0 }).get(tag)!;
  const fork = em.fork({ clear: true });
  for (const user of await fork.find(User, { username: { $like: `${prefix}%` } })) entry(user.username.slice(0, -2)).users++;
  for (const contract of await fork.find(Contract, { title: { $like: `${prefix}%` } })) entry(contract.title.split('#')[0]).contracts++;
  return rows;
}

/** Tags whose rows are neither all there nor all absent. */
export function partialBatches(rows: Map<string, BatchRows>, contracts: number): string[] {
  return [...rows].filter(([, r]) => r.users !== 2 || r.contracts !== contracts).map(([tag, r]) => `${tag}: ${r.users} users, ${r.contracts} contracts`);
}
