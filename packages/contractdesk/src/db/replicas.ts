import type { Connection, MikroORM } from '@mikro-orm/core';
import { isConnectionFailure } from '../errors/translate';
import { type ReplicaFallbackEvent, replicaFallbackChannel } from '../observability/events';
import { connectionName, driverReplicaConnections } from './internals';

/**
 * Read replicas (DATABASE_REPLICA_URLS → MikroORM `replicas`). MikroORM sends reads outside a transaction to a
 * random replica; these helpers add what it lacks: a replica that fails to connect is skipped for
 * REPLICA_RETRY_AFTER_MS with one logged warning, and the read that hit it runs again on the primary, so a
 * dead replica costs latency, never an error.
 *
 * Consistency a caller gets: reads outside a transaction may lag the primary by the replica's replay delay.
 * Everything inside a transaction (every write operation and its decisive reads) runs on the primary; a
 * caller that must read its own write reads inside a transaction (`em.transactional(...)`).
 */
export const REPLICA_RETRY_AFTER_MS = 5_000;

/** The name of the read connection a SQLite file gets (src/config/orm-config.ts). */
export const SQLITE_READER = 'sqlite-reader';
/** The name the query log gives a SQLite file's write connection. */
export const SQLITE_WRITER = 'sqlite-writer';

const downUntil = new WeakMap<object, number>();
const primaryOf = new WeakMap<object, Connection>();
let warn = (line: string): void => void process.stderr.write(`[contractdesk] ${line}\n`);

/** Where replica warnings go (default stderr); tests capture them. */
export function setReplicaWarningSink(sink: (line: string) => void): void {
  warn = sink;
}

export function isReplicaUp(connection: object): boolean {
  return (downUntil.get(connection) ?? 0) <= Date.now();
}

export function registerReplicas(primary: Connection, replicas: readonly Connection[]): void {
  for (const replica of replicas) primaryOf.set(replica, primary);
}

/** The primary behind a replica connection, or undefined for the primary itself. */
export function primaryBehind(connection: object): Connection | undefined {
  return primaryOf.get(connection);
}

/** A healthy replica (random, as MikroORM picks), or the primary when none is up. */
export function pickReadConnection(primary: Connection, replicas: readonly Connection[]): Connection {
  const up = replicas.filter(isReplicaUp);
  return up.length ? up[Math.floor(Math.random() * up.length)] : primary;
}

/**
 * Runs a read on `connection`; when it is a replica and the failure is a connection failure, marks it down,
 * warns, and runs the read on the primary instead. Other errors (and failures of the primary) pass through.
 */
export async function withReplicaFallback<T>(connection: object, run: (connection: Connection) => Promise<T>): Promise<T> {
  const primary = primaryOf.get(connection);
  if (!primary) return run(connection as Connection);
  try {
    return await run(connection as Connection);
  } catch (error) {
    if (!isConnectionFailure(error)) throw error;
    const name = connectionName(connection) ?? 'replica';
    if (replicaFallbackChannel.hasSubscribers) replicaFallbackChannel.publish({ replica: name } satisfies ReplicaFallbackEvent);
    if (isReplicaUp(connection)) {
      warn(`read replica ${name} is unreachable; reading from the primary for ${REPLICA_RETRY_AFTER_MS / 1000} s`);
    }
    downUntil.set(connection, Date.now() + REPLICA_RETRY_AFTER_MS);
    return run(primary);
  }
}

export interface ReplicaHealth {
  name: string;
  status: 'ok' | 'unreachable';
}

/**
 * The replicas an operator configured (DATABASE_REPLICA_URLS) by name, each with whether reads go to it now (false
 * for REPLICA_RETRY_AFTER_MS after it failed). Empty on SQLite, whose reader connection is the same file.
 */
export function replicaRouting(orm: MikroORM): Array<{ name: string; up: boolean }> {
  if (!hasConfiguredReplicas(orm)) return [];
  return driverReplicaConnections(orm.em.getDriver()).map((replica, i) => ({ name: connectionName(replica) ?? `replica${i + 1}`, up: isReplicaUp(replica) }));
}

function hasConfiguredReplicas(orm: MikroORM): boolean {
  // Only configured replicas (DATABASE_REPLICA_URLS): SQLite's reader connection is the same file, not a replica
  // an operator runs, and its health is the database's.
  const configured = (orm.config.get('replicas') ?? []) as Array<{ name?: string }>;
  return !configured.every((replica) => replica.name === SQLITE_READER);
}

/** For /ready: each replica probed on its own; reads fall back to the primary, so this never decides readiness. */
export async function replicaHealth(orm: MikroORM): Promise<ReplicaHealth[]> {
  if (!hasConfiguredReplicas(orm)) return [];
  const replicas = driverReplicaConnections(orm.em.getDriver());
  return Promise.all(
    replicas.map(async (replica, i) => {
      const name = connectionName(replica) ?? `replica${i + 1}`;
      const check = await replica.checkConnection().catch(() => ({ ok: false }));
      if (check.ok) downUntil.delete(replica);
      return { name, status: check.ok ? 'ok' : 'unreachable' } as ReplicaHealth;
    }),
  );
}
