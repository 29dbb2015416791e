import { expect } from 'chai';
import { User } from '../../../../packages/contractdesk/src/entities/user.entity';
import { describeEachDialect } from '../../../../packages/contractdesk/test/helpers/orm';
import { TcpProxy } from '../../../../packages/contractdesk/test/faults/support/tcp-proxy';
import { type RunningApp, startApp } from './http';

/**
 * PostgreSQL going away under a running app, simulated with a TCP proxy between the app and the server
 * (the cluster is shared, so it is never actually stopped): the app stays alive, says it is not ready,
 * answers 503 + Retry-After with a safe body, and recovers by itself once the database is back.
 */
describeEachDialect('app e2e: database outage', (db) => {
  if (db.dialect !== 'postgresql') return;
  // Nested so the app closes before the harness drops the database.
  describe('through a TCP proxy', () => {
    let proxy: TcpProxy;
    let app: RunningApp;

    before(async function () {
      this.timeout(60_000);
      const target = new URL(db.env.DATABASE_URL);
      proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
      const viaProxy = new URL(db.env.DATABASE_URL);
      viaProxy.port = String(proxy.port);
      app = await startApp({ DATABASE_URL: viaProxy.toString(), DB_POOL_MAX: '2' });
    });

    after(async () => {
      await proxy?.restore();
      await app?.close();
      await proxy?.stop();
    });

    it('database unreachable → /health 200, /ready 503, writes 503 DB.UNAVAILABLE with Retry-After; recovers when it returns', async function () {
      this.timeout(60_000);
      await proxy.cut();

      expect((await app.request('GET', '/health')).status).to.equal(200);
      const ready = await app.request('GET', '/ready');
      expect(ready.status).to.equal(503);
      expect(ready.body).to.include({ status: 'not_ready', database: 'unreachable' });

      const write = await app.request('POST', '/users', { subject: 'outage|during', body: { username: 'during-outage', email: 'outage@example.com', role: 'client' } });
      expect(write.status).to.equal(503);
      expect(write.headers.get('retry-after')).to.equal('1');
      expect(write.body.code).to.equal('DB.UNAVAILABLE');
      expect(JSON.stringify(write.body)).not.to.match(/ECONNREFUSED|127\.0\.0\.1|insert|knex|pg/i);

      await proxy.restore();
      let after = await app.request('GET', '/ready');
      for (let i = 0; i < 20 && after.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 250));
        after = await app.request('GET', '/ready');
      }
      expect(after.status).to.equal(200);
      const retried = await app.request('POST', '/users', { subject: 'outage|after', body: { username: 'after-outage', email: 'after@example.com', role: 'client' } });
      expect(retried.status).to.equal(201);
      expect(await db.em().count(User, { username: 'during-outage' })).to.equal(0);
      expect(await db.em().count(User, { username: 'after-outage' })).to.equal(1);
    });
  });
});
