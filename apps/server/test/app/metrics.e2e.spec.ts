import { spawnSync } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { expect } from 'chai';
import { openSqlite } from '../../../../packages/contractdesk/src/db/better-sqlite3';
import { describeEachDialect } from '../../../../packages/contractdesk/test/helpers/orm';
import { expectDomainError } from '../../../../packages/contractdesk/test/helpers/expect-error';
import { readSettings } from '../../src/settings';
import { type RunningApp, createContract, registerUser, startApp } from './http';

const METRICS_ON = { METRICS_ENABLED: 'true', METRICS_PORT: '0' };

/** The app plus its metrics listener, started like main.ts starts them (the listener on loopback, a free port). */
function useMetricsApp(env: () => Record<string, string>): () => { app: RunningApp; scrape: () => Promise<string> } {
  let app: RunningApp | undefined;
  let metricsUrl = '';
  before(async function () {
    this.timeout(60_000);
    app = await startApp({ ...env(), ...METRICS_ON });
    const { port } = await app.metrics!.listen();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
  });
  after(async () => app?.close());
  return () => ({
    app: app!,
    scrape: async () => {
      const res = await fetch(metricsUrl);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
      return res.text();
    },
  });
}

/** The value of the one sample of `name` carrying (at least) these labels; 0 when there is none yet. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let found: number | undefined;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) {
      expect(found, `more than one ${name} sample matches ${JSON.stringify(labels)}`).to.equal(undefined);
      found = Number(match[3]);
    }
  }
  return found ?? 0;
}

/** A loopback port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('metrics: settings', () => {
  it('off unless METRICS_ENABLED; a bad flag, a bad port or the public port are CONFIG.INVALID_VALUE', async () => {
    expect(readSettings({}).metrics).to.deep.equal({ enabled: false });
    expect(readSettings({ METRICS_ENABLED: 'false' }).metrics).to.deep.equal({ enabled: false });
    expect(readSettings({ METRICS_ENABLED: 'true' }).metrics).to.deep.equal({ enabled: true, port: 9464, host: '127.0.0.1' });
    expect(readSettings({ METRICS_ENABLED: '1', METRICS_PORT: '9100', METRICS_HOST: '10.0.0.5' }).metrics).to.deep.equal({ enabled: true, port: 9100, host: '10.0.0.5' });
    await expectDomainError(async () => readSettings({ METRICS_ENABLED: 'yes' }), 'CONFIG.INVALID_VALUE');
    await expectDomainError(async () => readSettings({ METRICS_ENABLED: 'true', METRICS_PORT: '70000' }), 'CONFIG.INVALID_VALUE');
    await expectDomainError(async () => readSettings({ METRICS_ENABLED: 'true', PORT: '8080', METRICS_PORT: '8080' }), 'CONFIG.INVALID_VALUE');
  });
});

describeEachDialect(
  'app e2e: Prometheus metrics',
  (db) => {
    describe('METRICS_ENABLED unset', () => {
      let app: RunningApp | undefined;
      before(async () => {
        app = await startApp(db.env);
      });
      after(async () => app?.close());

      it('no metrics listener, and /metrics is not a route of the public port', async () => {
        expect(app!.metrics).to.equal(undefined);
        const res = await app!.request('GET', '/metrics', { contract: false });
        expect(res.status).to.equal(404);
      });
    });

    describe('METRICS_ENABLED=true', () => {
      const running = useMetricsApp(() => (db.dialect === 'sqlite' ? { ...db.env, DB_BUSY_TIMEOUT: '100' } : db.env));

      it('the public port still has no /metrics: the series are only on their own listener', async () => {
        const res = await running().app.request('GET', '/metrics', { contract: false });
        expect(res.status).to.equal(404);
      });

      it('a live scrape passes promtool check metrics (format and naming lint)', async function () {
        const text = await running().scrape();
        // Every family the docs list is there (the event series from their first event on; these always).
        for (const name of ['process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds', 'contractdesk_db_pool_connections', 'contractdesk_db_pool_max']) {
          expect(text, name).to.contain(`# TYPE ${name} `);
        }
        const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
        if (check.error) {
          if (process.env.CI === 'true') throw new Error(`promtool is required under CI=true (apt-get install prometheus): ${check.error.message}`);
          return this.skip();
        }
        expect(check.status, `promtool check metrics:\n${check.stdout}${check.stderr}`).to.equal(0);
      });

      it('the HTTP histogram is labelled by route pattern, never the raw id; unmatched paths share one label', async () => {
        const { app, scrape } = running();
        const client = await registerUser(app, 'client');
        const freelancer = await registerUser(app, 'freelancer');
        const contract = await createContract(app, client, freelancer);
        expect((await app.request('GET', `/contracts/${contract.id}`, { as: client.id })).status).to.equal(200);
        expect((await app.request('GET', `/no/such/${contract.id}`, { contract: false })).status).to.equal(404);
        const text = await scrape();
        const name = 'contractdesk_http_request_duration_seconds_count';
        expect(sample(text, name, { method: 'GET', route: '/contracts/:id', status_code: '200' })).to.be.at.least(1);
        expect(sample(text, name, { method: 'POST', route: '/contracts', status_code: '201' })).to.be.at.least(1);
        expect(sample(text, name, { method: 'GET', route: 'unmatched', status_code: '404' })).to.be.at.least(1);
        expect(text).not.to.contain(contract.id);
      });

      it('a stale write moves the version-conflict counter and the conflict outcome', async () => {
        const { app, scrape } = running();
        const client = await registerUser(app, 'client');
        const freelancer = await registerUser(app, 'freelancer');
        const contract = await createContract(app, client, freelancer);
        const before = await scrape();
        const path = `/contracts/${contract.id}/title`;
        expect((await app.request('PUT', path, { as: client.id, body: { title: 'New', expectedVersion: 1 } })).status).to.equal(200);
        const stale = await app.request('PUT', path, { as: client.id, body: { title: 'Newer', expectedVersion: 1 } });
        expect(stale.body.code).to.equal('CONTRACT.VERSION_CONFLICT');
        const after = await scrape();
        expect(sample(after, 'contractdesk_version_conflicts_total') - sample(before, 'contractdesk_version_conflicts_total')).to.equal(1);
        const outcome = (text: string, o: string) => sample(text, 'contractdesk_transaction_duration_seconds_count', { outcome: o });
        expect(outcome(after, 'conflict') - outcome(before, 'conflict')).to.equal(1);
        expect(outcome(after, 'committed') - outcome(before, 'committed')).to.equal(1);
      });

      if (db.dialect === 'sqlite') {
        it('a write that meets a held lock is retried: the retry, DB.CONTENTION and contention-outcome series move', async () => {
          const { app, scrape } = running();
          const client = await registerUser(app, 'client');
          const freelancer = await registerUser(app, 'freelancer');
          const contract = await createContract(app, client, freelancer);
          const before = await scrape();
          // Another process's transaction holds the write lock longer than busy_timeout (100 ms): the first try fails
          // with DB.CONTENTION, the controller's retryContention runs it again after the lock is gone.
          const other = openSqlite(db.env.DB_PATH);
          other.exec('BEGIN IMMEDIATE');
          const released = new Promise<void>((resolve) =>
            setTimeout(() => {
              other.exec('ROLLBACK');
              other.close();
              resolve();
            }, 150),
          );
          const res = await app.request('PUT', `/contracts/${contract.id}/title`, { as: client.id, body: { title: 'Busy', expectedVersion: 1 } });
          await released;
          expect(res.status).to.equal(200);
          const after = await scrape();
          const moved = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
          expect(moved('contractdesk_retries_total', { reason: 'DB.CONTENTION' })).to.be.at.least(1);
          expect(moved('contractdesk_db_errors_total', { code: 'DB.CONTENTION' })).to.be.at.least(1);
          expect(moved('contractdesk_transaction_duration_seconds_count', { outcome: 'contention' })).to.be.at.least(1);
        });
      }
    });

    if (db.dialect === 'postgresql') {
      describe('a read replica that does not answer (DATABASE_REPLICA_URLS at a dead port)', () => {
        let replicaUrl = '';
        before(async () => {
          const url = new URL(db.env.DATABASE_URL);
          url.port = String(await deadPort());
          replicaUrl = url.toString();
        });
        const running = useMetricsApp(() => ({ ...db.env, DATABASE_REPLICA_URLS: replicaUrl }));

        it('a read falls back to the primary: the fallback counter moves and the replica-up gauge drops to 0', async () => {
          const { app, scrape } = running();
          // Before any read: the replica has not failed yet, so reads are routed to it.
          const before = await scrape();
          expect(sample(before, 'contractdesk_replica_up', { replica: 'replica1' })).to.equal(1);
          const client = await registerUser(app, 'client');
          const freelancer = await registerUser(app, 'freelancer');
          const contract = await createContract(app, client, freelancer);
          expect((await app.request('GET', `/contracts/${contract.id}`, { as: client.id })).status).to.equal(200);
          const after = await scrape();
          const fallbacks = (text: string) => sample(text, 'contractdesk_replica_fallbacks_total', { replica: 'replica1' });
          expect(fallbacks(after) - fallbacks(before)).to.be.at.least(1);
          expect(sample(after, 'contractdesk_replica_up', { replica: 'replica1' })).to.equal(0);
        });
      });
    }
  },
  { sqliteFile: true, pooler: false },
);
