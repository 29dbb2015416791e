import { mkdtempSync, rmSync } from 'node:fs';
import { channel, subscribe, unsubscribe } from 'node:diagnostics_channel';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Registry, register as globalRegistry } from 'prom-client';
import { CHANNELS, type ContractDeskOrm, ContractService, type DomainError, type RetryEvent, UnavailableError, createConfig, initOrm, withRetry } from 'contractdesk';
import { contractDeskMetrics } from 'contractdesk/metrics';
import { makeContract } from '../../packages/contractdesk/test/helpers/factories';

/**
 * How a host observes the library (docs/embedding.md "Metrics" quotes this file): subscribing to a channel itself,
 * or registering the ready-made collectors in its own prom-client Registry. Through the package's public entry
 * points only, as a host imports them.
 */
describe('metrics: a host observes the library through its channels', () => {
  let dir: string;
  let orm: ContractDeskOrm;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'contractdesk-metrics-'));
    const env = { DB_PATH: join(dir, 'host.sqlite3') };
    orm = await initOrm({ env, log: () => undefined, options: { migrations: { ...createConfig(env).migrations, silent: true } } });
    await orm.migrator.up();
  });

  after(async () => {
    await orm?.close(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a host subscribes to contractdesk:retry itself', async () => {
    const reasons: string[] = [];
    const onRetry = (message: unknown) => {
      const { reason } = message as RetryEvent;
      reasons.push(reason);
    };
    subscribe(CHANNELS.retry, onRetry);
    try {
      const busy = UnavailableError.contention(new Error('deadlock detected'));
      let tries = 0;
      await withRetry(
        async () => {
          if (++tries === 1) throw busy;
          return 'done';
        },
        { sleep: async () => undefined },
      );
    } finally {
      unsubscribe(CHANNELS.retry, onRetry);
    }
    expect(reasons).to.deep.equal(['DB.CONTENTION']);
  });

  it("contractDeskMetrics fills the host's registry (not prom-client's global one) and close() takes it all back", async () => {
    const registry = new Registry();
    const metrics = contractDeskMetrics(registry, { orm });
    try {
      const contract = await makeContract(orm.em.fork());
      const service = new ContractService(orm.em);
      await service.rename(contract.id, { title: 'Renamed', expectedVersion: 1 });
      await service.rename(contract.id, { title: 'Stale', expectedVersion: 1 }).catch((error: unknown) => {
        expect((error as DomainError).code).to.equal('CONTRACT.VERSION_CONFLICT');
      });
      // A unit joined to a caller's transaction: the caller's transaction is counted by the caller, not here.
      await orm.em.fork().transactional((em) => new ContractService(em).rename(contract.id, { title: 'Joined', expectedVersion: 2 }));

      const conflicts = await registry.getSingleMetric('contractdesk_version_conflicts_total')!.get();
      expect(conflicts.values[0].value).to.equal(1);
      const durations = await registry.getSingleMetric('contractdesk_transaction_duration_seconds')!.get();
      const count = (outcome: string) => durations.values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count') && v.labels.outcome === outcome)?.value;
      // makeContract's own flush is not a service operation; the two renames are.
      expect([count('committed'), count('conflict')]).to.deep.equal([1, 1]);
      const pool = await registry.getSingleMetric('contractdesk_db_pool_max')!.get();
      expect(pool.values.map((v) => v.labels.connection)).to.have.members(['primary', 'sqlite-reader']);
      expect((await globalRegistry.metrics()).includes('contractdesk_'), "prom-client's global registry untouched").to.equal(false);
    } finally {
      metrics.close();
    }
    expect(await registry.metrics()).not.to.contain('contractdesk_');
    // Nothing subscribed any more: the services are back to not building a single event.
    for (const name of Object.values(CHANNELS)) expect(channel(name).hasSubscribers, name).to.equal(false);
  });
});
