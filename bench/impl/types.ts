import type Database from 'better-sqlite3';
import type Pg from 'pg';
import type { Dataset } from '../data';

export type CoreImplName = 'raw' | 'plain' | 'services';
/**
 * ContractDesk's services embedded in a host's ORM: `services-stock` is the same ServicesImpl on MikroORM's stock
 * PostgreSqlDriver with a host's defaults where ContractDesk's config differs (useBatchUpdates on). PostgreSQL
 * only: on SQLite ContractDesk requires its own driver (CONFIG.SQLITE_DRIVER_REQUIRED), so it is not run there.
 */
export type HostImplName = 'services-stock';
/** The libraries a team would pick instead, installed separately (bench/peers) and loaded only when there. */
export type PeerName = 'kysely' | 'drizzle' | 'typeorm';
export type ImplName = CoreImplName | HostImplName | PeerName;
export const CORE_IMPLS: readonly CoreImplName[] = ['raw', 'plain', 'services'];
export const HOST_IMPLS: readonly HostImplName[] = ['services-stock'];
export const PEERS: readonly PeerName[] = ['kysely', 'drizzle', 'typeorm'];
/** Also the interleaving order of a round. */
export const IMPLS: readonly ImplName[] = [...CORE_IMPLS, ...HOST_IMPLS, ...PEERS];

/**
 * Implementations a database context holds: the core three always; `services-stock` when selected and the
 * dialect has it (PostgreSQL); a peer when it was selected and loaded.
 */
export type Impls = Record<CoreImplName, Impl> & Partial<Record<HostImplName | PeerName, Impl>>;

/**
 * What a peer implementation is built on. The root's driver modules are handed in (src/db/better-sqlite3.ts
 * chooses the better-sqlite3 build; pg is the root's), so every implementation runs on the same drivers.
 */
export type PeerTarget =
  | { dialect: 'sqlite'; path: string; busyTimeoutMs: number; betterSqlite3: typeof Database }
  | { dialect: 'postgresql'; url: string; poolMax: number; pg: typeof Pg };

/** bench/peers' entry module (bench/peers/src/index.ts). */
export interface PeersModule {
  createPeer(name: PeerName, target: PeerTarget): Promise<Impl>;
}

/** What a W2 read must return; a Contract entity has this shape, raw rows are mapped to it. */
export interface ReadResult {
  id: string;
  title: string;
  amount: bigint;
  version: number;
  status: string;
  createdAt: Date;
}

export interface AttemptTally {
  ok: number;
  conflicts: number;
  errors: string[];
}

/** One way of doing the workloads against one database. Results are returned so the round can check them. */
export interface Impl {
  readonly name: ImplName;
  /** W1: all users and contracts of the dataset in one transaction. */
  w1(data: Dataset): Promise<void>;
  /** W2: one point read per id, in order. */
  w2(ids: string[]): Promise<ReadResult[]>;
  /** W3 (and W5): draft → active with expectedVersion 1, each its own transaction; the new version. */
  transition(id: string): Promise<number | 'conflict'>;
  /**
   * W6 (composition): both contracts draft → active with expectedVersion 1 inside ONE transaction the caller
   * opens and commits; the two new versions. No race here, so a conflict is an error.
   */
  transitionPair(a: string, b: string): Promise<[number, number]>;
  /** W4: a client's contracts, newest first (id breaks ties), `limit` rows; their ids. */
  list(clientId: string, limit: number): Promise<string[]>;
  close(): Promise<void>;
}

/** Runs queues concurrently in this process (W5 on PostgreSQL). */
export async function runQueues(impl: Impl, queues: string[][], until = Infinity): Promise<AttemptTally> {
  const tally: AttemptTally = { ok: 0, conflicts: 0, errors: [] };
  await Promise.all(queues.map((q) => runQueue(impl, q, tally, until)));
  return tally;
}

/** Works through the queue, taking no new item after `until` (epoch ms). */
export async function runQueue(impl: Impl, queue: string[], tally: AttemptTally = { ok: 0, conflicts: 0, errors: [] }, until = Infinity): Promise<AttemptTally> {
  for (const id of queue) {
    if (Date.now() > until) break;
    try {
      const r = await impl.transition(id);
      if (r === 'conflict') tally.conflicts++;
      else if (r === 2) tally.ok++;
      else tally.errors.push(`unexpected version ${r}`);
    } catch (error) {
      tally.errors.push(String((error as Error)?.message ?? error).slice(0, 200));
    }
  }
  return tally;
}
