import { createHash } from 'node:crypto';

/** Sizes of one round; BENCH_SCALE shrinks them for development runs (the full run uses 1). */
export interface Sizes {
  users: number;
  contracts: number;
  reads: number;
  transitions: number;
  lists: number;
  concurrent: number;
  /** W6: caller transactions, each transitioning a pair of contracts. */
  pairs: number;
  listLimit: number;
}

export function sizes(scale: number): Sizes {
  const n = (full: number, min: number) => Math.max(min, Math.round(full * scale));
  return {
    users: n(200, 8),
    contracts: n(10_000, 100),
    reads: n(10_000, 50),
    transitions: n(2_000, 20),
    lists: n(1_000, 10),
    concurrent: n(2_000, 32),
    pairs: n(1_000, 10),
    listLimit: 20,
  };
}

export interface UserRow {
  id: string;
  username: string;
  email: string;
  role: 'client' | 'freelancer';
  createdAt: Date;
}

export interface ContractRow {
  id: string;
  title: string;
  clientId: string;
  freelancerId: string;
  amount: bigint;
  createdAt: Date;
}

/** The data every implementation inserts and then works on: identical ids, values and timestamps. */
export interface Dataset {
  sizes: Sizes;
  users: UserRow[];
  contracts: ContractRow[];
  byId: Map<string, ContractRow>;
  /** W2: every contract id at most once, shuffled. */
  readIds: string[];
  /** W3: distinct draft contracts, transitioned draft → active with expectedVersion 1. */
  transitionIds: string[];
  /** W4: which client each list call asks for, and the ids it must return, newest first. */
  listClients: string[];
  expectedLists: Map<string, string[]>;
  /** W5: distinct draft contracts (disjoint from W3's), each attempted by two clients. */
  concurrentIds: string[];
  /** W6: pairs of distinct draft contracts (disjoint from W3's and W5's), both transitioned in one caller transaction. */
  pairIds: Array<[string, string]>;
}

/** Deterministic PRNG (mulberry32) so every run and every implementation sees the same data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuidFrom(label: string): string {
  const h = createHash('sha1').update(label).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

export function generate(s: Sizes, seed = 7): Dataset {
  const random = prng(seed);
  const base = Date.UTC(2026, 0, 1);
  const half = Math.floor(s.users / 2);
  const users: UserRow[] = [];
  for (let i = 0; i < s.users; i++) {
    const role = i < half ? 'client' : 'freelancer';
    users.push({ id: uuidFrom(`user-${i}`), username: `bench${i}`, email: `bench${i}@example.com`, role, createdAt: new Date(base + i) });
  }
  const clients = users.slice(0, half);
  const freelancers = users.slice(half);
  const contracts: ContractRow[] = [];
  for (let i = 0; i < s.contracts; i++) {
    contracts.push({
      id: uuidFrom(`contract-${i}`),
      title: `Contract ${i}: logo, it's "quoted"`,
      clientId: clients[i % clients.length].id,
      freelancerId: freelancers[(i * 7) % freelancers.length].id,
      // Above 2^53 for some rows, so a driver that rounds int64 fails the W2 check.
      amount: i % 10 === 0 ? 9_007_199_254_740_993n + BigInt(i) : BigInt(1_000_000 + i * 13),
      // Distinct, increasing timestamps (seconds apart) keep "newest first" unambiguous.
      createdAt: new Date(base + 1000 * (i + 1)),
    });
  }
  const byId = new Map(contracts.map((c) => [c.id, c]));
  const order = shuffle(contracts.map((c) => c.id), random);
  const readIds = order.slice(0, s.reads);
  const transitionIds = order.slice(0, s.transitions);
  const concurrentIds = order.slice(s.transitions, s.transitions + s.concurrent);
  if (s.transitions + s.concurrent + 2 * s.pairs > s.contracts) throw new Error('W3 + W5 + W6 need more contracts than generated');
  // Taken from the same shuffled order after W5's ids, without drawing from `random`: W1..W5's data is unchanged.
  const pairIds: Array<[string, string]> = [];
  for (let i = 0, at = s.transitions + s.concurrent; i < s.pairs; i++, at += 2) pairIds.push([order[at], order[at + 1]]);

  const perClient = new Map<string, ContractRow[]>();
  for (const c of contracts) (perClient.get(c.clientId) ?? perClient.set(c.clientId, []).get(c.clientId)!).push(c);
  const expectedLists = new Map<string, string[]>();
  for (const [clientId, rows] of perClient) {
    const sorted = rows.slice().sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
    expectedLists.set(clientId, sorted.slice(0, s.listLimit).map((c) => c.id));
  }
  const listClients: string[] = [];
  for (let i = 0; i < s.lists; i++) listClients.push(clients[Math.floor(random() * clients.length)].id);
  return { sizes: s, users, contracts, byId, readIds, transitionIds, listClients, expectedLists, concurrentIds, pairIds };
}

/**
 * W5 schedule: `workers` queues over `ids`, every id in exactly two queues at about the same position
 * (worker k takes group k and group k+1 alternately), so the two attempts really race.
 */
export function concurrentSchedule(ids: string[], workers: number): string[][] {
  const groups: string[][] = Array.from({ length: workers }, () => []);
  ids.forEach((id, i) => groups[i % workers].push(id));
  return groups.map((own, k) => {
    const next = groups[(k + 1) % workers];
    const queue: string[] = [];
    for (let j = 0; j < Math.max(own.length, next.length); j++) {
      if (j < own.length) queue.push(own[j]);
      if (j < next.length) queue.push(next[j]);
    }
    return queue;
  });
}
