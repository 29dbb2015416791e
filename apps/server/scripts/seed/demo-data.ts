import { CONTRACT_STATUSES, CONTRACT_TRANSITIONS, ContractStatus, PartyRole } from 'contractdesk';
import { CONTRACTS_READ, ROLES_MANAGE, USERS_MANAGE } from '../../src/access-policy';

/**
 * What `npm run db:seed` writes. Rows are found again by these fixed subjects, usernames, role name and contract
 * titles, which is what makes a second run a no-op. Each user's token subject is its username, so
 * `npm run token -- demo-client` mints a token for the seeded client too.
 */
export interface DemoUser {
  key: 'client' | 'freelancer' | 'admin';
  username: string;
  email: string;
  role: PartyRole;
}

export const DEMO_USERS: readonly DemoUser[] = [
  { key: 'client', username: 'demo-client', email: 'demo-client@example.com', role: PartyRole.Client },
  { key: 'freelancer', username: 'demo-freelancer', email: 'demo-freelancer@example.com', role: PartyRole.Freelancer },
  { key: 'admin', username: 'demo-admin', email: 'demo-admin@example.com', role: PartyRole.Both },
];

/** Held by demo-admin: role administration, user administration and reading every contract. */
export const DEMO_ROLE = {
  name: 'demo-administrator',
  description: 'Demo data: administers roles and users, reads every contract',
  priority: 100,
  permissions: [CONTRACTS_READ, ROLES_MANAGE, USERS_MANAGE].sort(),
  holder: 'admin',
} as const;

export interface DemoContract {
  status: ContractStatus;
  title: string;
  /** Stroops, as the API takes them (10 000 000 stroops = 1 XLM). */
  amount: string;
  /** The transitions from draft that reach `status`, shortest first. */
  path: ContractStatus[];
}

/** One contract (demo-client ↔ demo-freelancer) per status of the state machine, including any added later. */
export const DEMO_CONTRACTS: readonly DemoContract[] = CONTRACT_STATUSES.map((status, i) => ({
  status,
  title: `Demo contract (${status})`,
  amount: String((i + 1) * 10_000_000),
  path: pathFromDraft(status),
}));

/** Breadth-first over CONTRACT_TRANSITIONS, so the seed follows the same rules as every other change. */
export function pathFromDraft(target: ContractStatus): ContractStatus[] {
  const paths = new Map<ContractStatus, ContractStatus[]>([[ContractStatus.Draft, []]]);
  const queue: ContractStatus[] = [ContractStatus.Draft];
  for (let from = queue.shift(); from !== undefined; from = queue.shift()) {
    for (const to of CONTRACT_TRANSITIONS[from]) {
      if (paths.has(to)) continue;
      paths.set(to, [...paths.get(from)!, to]);
      queue.push(to);
    }
  }
  const path = paths.get(target);
  if (!path) throw new Error(`contract status ${target} cannot be reached from draft`);
  return path;
}
