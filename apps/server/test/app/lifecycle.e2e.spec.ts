import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateOnStart } from '../../src/create-app';
import { describeEachDialect } from '../../../../packages/contractdesk/test/helpers/orm';
import { type RunningApp, request, startApp, useApp } from './http';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeEachDialect(
  'app e2e: health and routing',
  (db) => {
    describe('over HTTP', () => {
      const app = useApp(() => db.env);

      it('GET /health 200 and GET /ready 200 on a migrated database', async () => {
        expect(await app().request('GET', '/health')).to.deep.include({ status: 200, body: { status: 'ok' } });
        const ready = await app().request('GET', '/ready');
        expect(ready.status).to.equal(200);
        expect(ready.body).to.deep.equal({ status: 'ready', database: 'ok', pendingMigrations: 0 });
      });

      it('unknown routes and oversized bodies answer with the same error shape, without framework text', async () => {
        // An unknown route is, by definition, not in the OpenAPI document.
        const missing = await app().request('GET', '/nope', { contract: false });
        expect(missing.status).to.equal(404);
        expect(missing.body.code).to.equal('HTTP.NOT_FOUND');
        expect(Object.keys(missing.body).sort()).to.deep.equal(['code', 'detail', 'status', 'title', 'type']);
        expect(missing.headers.get('content-type')).to.match(/^application\/problem\+json/);
        expect(missing.headers.get('x-powered-by')).to.equal(null);
        const huge = await app().request('POST', '/users', { body: { username: 'x'.repeat(70_000), email: 'a@example.com', role: 'client' } });
        expect(huge.status).to.equal(413);
        expect(huge.body.code).to.equal('REQUEST.TOO_LARGE');
      });
    });
  },
  { sqliteFile: true },
);

describe('app e2e: start-up, readiness and shutdown [sqlite file]', () => {
  let dir: string;
  let app: RunningApp | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'contractdesk-test-'));
  });

  afterEach(async () => {
    await app?.close().catch(() => undefined);
    app = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('/ready is 503 while migrations are pending and 200 once they are applied', async () => {
    app = await startApp({ DB_PATH: join(dir, 'fresh.sqlite3') });
    const before = await app.request('GET', '/ready');
    expect(before.status).to.equal(503);
    expect(before.headers.get('retry-after')).to.equal('5');
    expect(before.body.status).to.equal('not_ready');
    expect(before.body.pendingMigrations).to.be.greaterThan(0);
    expect((await app.request('GET', '/health')).status).to.equal(200);

    const applied = await migrateOnStart(app.orm);
    expect(applied.length).to.equal(before.body.pendingMigrations);
    expect((await app.request('GET', '/ready')).status).to.equal(200);
  });

  it('close (what SIGTERM triggers) lets an in-flight request finish, then closes the ORM and refuses new connections', async () => {
    app = await startApp({ DB_PATH: join(dir, 'shutdown.sqlite3') });
    await migrateOnStart(app.orm);
    const { port } = new URL(app.url);
    const body = Buffer.from(JSON.stringify({ username: 'latecomer', email: 'late@example.com', role: 'client' }));
    const authorization = `Bearer ${await app.signer.sign('latecomer')}`;

    // Headers and half the body now, the rest after shutdown has begun: the request is in flight throughout.
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: Number(port), method: 'POST', path: '/users', headers: { 'content-type': 'application/json', 'content-length': body.length, authorization } },
        (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.write(body.subarray(0, 10));
      setTimeout(() => req.end(body.subarray(10)), 300);
    });
    await sleep(100);
    let closed = false;
    const closing = app.close().then(() => (closed = true));
    await sleep(50);
    expect(closed, 'close must wait for the in-flight request').to.equal(false);

    const res = await response;
    expect(res.status, res.text).to.equal(201);
    expect(JSON.parse(res.text).username).to.equal('latecomer');
    await closing;
    expect(await app.orm.isConnected()).to.equal(false);
    const refused = await request(app.url, 'GET', '/health').then(
      () => 'answered',
      () => 'refused',
    );
    expect(refused).to.equal('refused');
    app = undefined;
  });
});
