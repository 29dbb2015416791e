import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEachDialect } from '../../../../packages/contractdesk/test/helpers/orm';
import { type RunningApp, registerUser, request, startApp } from './http';
import { type Main, listening, runMain, killIfRunning } from './main-process';

/** Every line the app's logger writes, kept as text so a test can look for leaks in anything it wrote. */
class CapturedLog {
  readonly text: string[] = [];
  write(line: string): void {
    this.text.push(line);
  }
  lines(): Array<Record<string, unknown>> {
    return this.text.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

describeEachDialect('app e2e: structured logs', (db) => {
  let app: RunningApp | undefined;
  let log: CapturedLog;

  async function start(extraEnv: Record<string, string> = {}): Promise<RunningApp> {
    log = new CapturedLog();
    app = await startApp({ ...db.env, LOG_FORMAT: 'json', ...extraEnv }, { logDestination: log });
    return app;
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('one JSON line per request: request id, method, route pattern, status, duration, caller; no token, cookie or secret query value anywhere', async () => {
    const running = await start();
    const client = await registerUser(running, 'client');
    const freelancer = await registerUser(running, 'freelancer');
    const created = await running.request('POST', '/contracts', { as: client.id, body: { title: 'Logo', clientId: client.id, freelancerId: freelancer.id, amount: '1000' } });
    expect(created.status).to.equal(201);
    const bearer = await running.signer.sign(`sub-of-${client.id}`);
    const res = await running.request('GET', `/contracts/${created.body.id}?token=query-secret-1&access_token=query-secret-2&password=hunter2`, {
      as: client.id,
      headers: { cookie: 'session=cookie-secret-3', 'x-request-id': 'trace-me-1' },
      contract: false,
    });
    expect(res.status).to.equal(200);
    const sentAuthorization = 'Bearer x.y.z';
    const withBogusBearer = await running.request('GET', '/health?token=query-secret-4', { authorization: sentAuthorization, contract: false });
    expect(withBogusBearer.status).to.equal(401);
    await running.close();
    app = undefined;

    const lines = log.lines();
    const requestLine = lines.find((line) => line.requestId === 'trace-me-1');
    expect(requestLine).to.include({ msg: 'request', method: 'GET', route: '/contracts/:id', status: 200, userId: client.id, level: 30 });
    expect(requestLine!.durationMs).to.be.a('number').and.at.least(0);
    expect(lines.filter((line) => line.requestId === 'trace-me-1')).to.have.length(1);
    const unauthenticated = lines.find((line) => line.msg === 'request' && line.route === '/health');
    expect(unauthenticated).to.include({ status: 401, userId: null });

    const everything = log.text.join('');
    for (const secret of ['query-secret', 'hunter2', 'cookie-secret', 'x.y.z', bearer.split('.')[2]!, created.body.id]) {
      expect(everything, secret).not.to.include(secret);
    }
  });

  it('DB_DEBUG=true: statements as JSON lines without their values; only DB_DEBUG=query,query-params shows values', async () => {
    const title = `Title ${randomUUID()}`;
    async function statementsFor(dbDebug: string): Promise<{ sql: string[]; all: string }> {
      const running = await start({ DB_DEBUG: dbDebug });
      const client = await registerUser(running, 'client');
      const freelancer = await registerUser(running, 'freelancer');
      const res = await running.request('POST', '/contracts', { as: client.id, body: { title, clientId: client.id, freelancerId: freelancer.id, amount: '1000' } });
      expect(res.status).to.equal(201);
      await running.close();
      app = undefined;
      const sql = log.lines().filter((line) => line.namespace === 'query').map((line) => String(line.msg));
      return { sql, all: log.text.join('') };
    }
    const plain = await statementsFor('true');
    expect(plain.sql.some((statement) => /insert into .contractdesk_contracts/i.test(statement))).to.equal(true);
    expect(plain.all).not.to.include(title);
    const withValues = await statementsFor('query,query-params');
    expect(withValues.all).to.include(title);
  });
}, { sqliteFile: true });

describe('app e2e: main.ts logs under LOG_FORMAT=json [sqlite file]', function () {
  this.timeout(120_000);
  let dir: string;
  let main: Main | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'contractdesk-test-'));
  });

  afterEach(async () => {
    await killIfRunning(main);
    main = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('start-up, request and shutdown lines are all JSON; a request carrying secrets leaks none of them', async () => {
    main = runMain({ DB_PATH: join(dir, 'json.sqlite3'), LOG_FORMAT: 'json' });
    const url = await listening(main);
    const res = await request(url, 'GET', '/health?password=hunter2&token=query-secret', {
      authorization: 'Bearer x.y.z',
      headers: { cookie: 'session=cookie-secret' },
      contract: false,
    });
    expect(res.status).to.equal(401);
    main.child.kill('SIGTERM');
    expect((await main.exited).code).to.equal(0);
    const lines = main.output().split('\n').filter(Boolean);
    const parsed = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON line: ${line}`);
      }
    });
    for (const line of parsed) expect(line).to.include.keys('level', 'time', 'msg');
    const messages = parsed.map((line) => String(line.msg));
    expect(messages.some((msg) => msg.startsWith('database: SQLite'))).to.equal(true);
    expect(messages.some((msg) => msg.startsWith('listening on http://'))).to.equal(true);
    expect(messages.some((msg) => /^stopped after SIGTERM in \d+ ms/.test(msg))).to.equal(true);
    expect(parsed.find((line) => line.msg === 'request')).to.include({ method: 'GET', route: '/health', status: 401 });
    for (const secret of ['hunter2', 'query-secret', 'cookie-secret', 'x.y.z']) expect(main.output()).not.to.include(secret);
  });
});
