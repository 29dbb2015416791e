import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/knex';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { connectionName, driverPrimaryConnection, driverReplicaConnections, knexClientOf, knexPoolStats, type PoolStats } from '../db/internals';
import { replicaRouting } from '../db/replicas';
import { CHANNELS, type DatabaseErrorEvent, type ReplicaFallbackEvent, type RetryEvent, type TransactionEvent } from './events';

export interface ContractDeskMetricsOptions {
  /**
   * The ORM whose pool and replicas the gauges read at scrape time. Without it only the event series
   * (transactions, conflicts, retries, database errors, replica fallbacks) are registered.
   */
  orm?: MikroORM;
}

export interface ContractDeskMetrics {
  /** Stops counting (unsubscribes from the library's channels) and removes the series from the registry. */
  close(): void;
}

/** Transactions last milliseconds to a few seconds (a lock wait bounded by busy_timeout / lock_timeout). */
const TRANSACTION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Registers ContractDesk's Prometheus series in `registry` (a host's own, never prom-client's global one unless the
 * host passes it) and feeds them from the library's diagnostics channels. The ContractDesk app registers exactly
 * these; docs/operations.md lists them. Channels are process-wide, so two calls in one process both count every
 * event: register once per process.
 */
export function contractDeskMetrics(registry: Registry, options: ContractDeskMetricsOptions = {}): ContractDeskMetrics {
  const registers = [registry];
  const transactions = new Histogram({
    name: 'contractdesk_transaction_duration_seconds',
    help: 'Write transactions ContractDesk began, by outcome (committed, conflict, contention, unavailable, rolled_back)',
    labelNames: ['outcome'],
    buckets: TRANSACTION_BUCKETS,
    registers,
  });
  const conflicts = new Counter({ name: 'contractdesk_version_conflicts_total', help: 'Writes refused by an optimistic version check', registers });
  const retries = new Counter({ name: 'contractdesk_retries_total', help: 'Operations withRetry ran again, by the error code that caused it', labelNames: ['reason'], registers });
  const dbErrors = new Counter({
    name: 'contractdesk_db_errors_total',
    help: 'Operations that failed with a transient database error, by code (DB.CONTENTION, DB.UNAVAILABLE)',
    labelNames: ['code'],
    registers,
  });
  const fallbacks = new Counter({
    name: 'contractdesk_replica_fallbacks_total',
    help: 'Reads that failed on a read replica and ran on the primary, by replica',
    labelNames: ['replica'],
    registers,
  });
  const names = [
    'contractdesk_transaction_duration_seconds',
    'contractdesk_version_conflicts_total',
    'contractdesk_retries_total',
    'contractdesk_db_errors_total',
    'contractdesk_replica_fallbacks_total',
  ];

  const handlers: Array<[string, (message: unknown) => void]> = [
    [
      CHANNELS.transaction,
      (message) => {
        const event = message as TransactionEvent;
        // A joined operation's transaction is the caller's: it neither began nor ended here.
        if (!event.joined) transactions.observe({ outcome: event.outcome }, event.durationMs / 1000);
      },
    ],
    [CHANNELS.conflict, () => conflicts.inc()],
    [CHANNELS.retry, (message) => retries.inc({ reason: (message as RetryEvent).reason })],
    [CHANNELS.databaseError, (message) => dbErrors.inc({ code: (message as DatabaseErrorEvent).code })],
    [CHANNELS.replicaFallback, (message) => fallbacks.inc({ replica: (message as ReplicaFallbackEvent).replica })],
  ];
  for (const [name, handler] of handlers) subscribe(name, handler);

  const orm = options.orm;
  if (orm) names.push(...ormGauges(orm, registers));

  return {
    close() {
      for (const [name, handler] of handlers) unsubscribe(name, handler);
      for (const name of names) registry.removeSingleMetric(name);
    },
  };
}

/** Gauges read at scrape time, so nothing polls the pool between scrapes. */
function ormGauges(orm: MikroORM, registers: Registry[]): string[] {
  const pools = () => {
    const driver = orm.em.getDriver();
    const connections = [driverPrimaryConnection(driver), ...driverReplicaConnections(driver)] as AbstractSqlConnection[];
    return connections.flatMap((connection, i) => {
      const stats = knexPoolStats(knexClientOf(connection));
      return stats ? [{ connection: connectionName(connection) ?? (i === 0 ? 'primary' : `replica${i}`), stats }] : [];
    });
  };
  const poolGauge = (name: string, help: string, pick: (stats: PoolStats) => number) => {
    new Gauge({
      name,
      help,
      labelNames: ['connection'],
      registers,
      collect() {
        this.reset();
        for (const { connection, stats } of pools()) this.set({ connection }, pick(stats));
      },
    });
    return name;
  };
  new Gauge({
    name: 'contractdesk_replica_up',
    help: 'Whether reads are routed to the read replica (0 for a while after it failed to answer)',
    labelNames: ['replica'],
    registers,
    collect() {
      this.reset();
      for (const { name, up } of replicaRouting(orm)) this.set({ replica: name }, up ? 1 : 0);
    },
  });
  return [
    'contractdesk_replica_up',
    poolGauge('contractdesk_db_pool_connections', 'Open connections in the pool, in use or idle', (s) => s.size),
    poolGauge('contractdesk_db_pool_connections_in_use', 'Connections borrowed from the pool', (s) => s.inUse),
    poolGauge('contractdesk_db_pool_waiting', 'Callers waiting for a pool connection', (s) => s.waiting),
    poolGauge('contractdesk_db_pool_max', 'Largest number of connections the pool opens', (s) => s.max),
  ];
}
