import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { openSqlite } from '../../../../packages/contractdesk/src/db/better-sqlite3';
import { workspaceRoot as projectRoot } from '../../src/paths';
import { DEV_KEY_FILE } from '../../src/auth/auth-settings';
import { request } from './http';
import { type Main, listening, runMain, killIfRunning } from './main-process';

interface MainProcess extends Main {
  /** Resolves with the base URL once the app logs that it listens; rejects if it exits first. */
  listening: Promise<string>;
}

/** src/app/main.ts (the file `npm start` runs compiled) in a child process, exactly as an operator would. */
function runListening(env: Record<string, string>, cwd?: string): MainProcess {
  const main = runMain(env, cwd);
  return { ...main, listening: listening(main) };
}

describe('app e2e: main.ts as a process [sqlite file]', function () {
  this.timeout(120_000);
  let dir: string;
  let running: MainProcess | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'contractdesk-test-'));
  });

  afterEach(async () => {
    await killIfRunning(running);
    running = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('with no auth settings: development key (mode 600) + loud warning, `npm run token` mints a usable token; migrates, serves, SIGTERM keeps the data', async () => {
    const file = join(dir, 'main.sqlite3');
    running = runListening({ DB_PATH: file });
    const url = await running.listening;
    expect(running.output()).to.match(/database: SQLite \(file .*main\.sqlite3/);
    expect(running.output()).to.match(/applied migrations: Migration/);
    expect(running.output()).to.match(/DEVELOPMENT AUTH IS ON/);
    const keyFile = join(dir, DEV_KEY_FILE);
    expect(statSync(keyFile).mode & 0o777).to.equal(0o600);
    expect((await request(url, 'GET', '/ready')).status).to.equal(200);
    const token = execFileSync('npm', ['run', '--silent', 'token', '--', 'operator'], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', DB_PATH: file },
      encoding: 'utf8',
    }).trim();
    expect(token).to.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const anonymous = await request(url, 'POST', '/users', { body: { username: 'operator', email: 'op@example.com', role: 'client' } });
    expect(anonymous.status).to.equal(401);
    const created = await request(url, 'POST', '/users', {
      authorization: `Bearer ${token}`,
      body: { username: 'operator', email: 'op@example.com', role: 'client' },
    });
    expect(created.status).to.equal(201);
    expect((await request(url, 'GET', `/users/${created.body.id}/roles`, { authorization: `Bearer ${token}` })).status).to.equal(200);

    running.child.kill('SIGTERM');
    const { code, signal } = await running.exited;
    expect(code === 0 || signal === 'SIGTERM', `exit ${code} ${signal}`).to.equal(true);
    expect(running.output()).to.match(/SIGTERM: finishing in-flight requests/);
    const db = openSqlite(file, { readonly: true });
    try {
      expect(db.prepare('select username, auth_subject from contractdesk_users').all()).to.deep.equal([{ username: 'operator', auth_subject: 'operator' }]);
    } finally {
      db.close();
    }
  });

  it('DATABASE_URL=sqlite:./data/x.db (relative to the working directory) migrates and serves from that file, dev key beside it', async () => {
    running = runListening({ DATABASE_URL: 'sqlite:./data/x.db' }, dir);
    const url = await running.listening;
    const file = join(dir, 'data', 'x.db');
    expect(running.output()).to.contain(`database: SQLite (file ${file};`);
    expect((await request(url, 'GET', '/health')).status).to.equal(200);
    expect((await request(url, 'GET', '/ready')).status).to.equal(200);
    expect(statSync(join(dir, 'data', DEV_KEY_FILE)).mode & 0o777).to.equal(0o600);
    running.child.kill('SIGTERM');
    await running.exited;
    const db = openSqlite(file, { readonly: true });
    try {
      expect(db.prepare("select count(*) as n from sqlite_master where name = 'contractdesk_users'").get()).to.deep.equal({ n: 1 });
    } finally {
      db.close();
    }
  });

  it('MIGRATE_ON_START=false leaves the schema alone and /ready says 503; a bad setting stops the start', async () => {
    running = runListening({ DB_PATH: join(dir, 'unmigrated.sqlite3'), MIGRATE_ON_START: 'false' });
    const url = await running.listening;
    expect(running.output()).to.match(/MIGRATE_ON_START=false and \d+ migration\(s\) are pending/);
    const ready = await request(url, 'GET', '/ready');
    expect(ready.status).to.equal(503);
    expect(ready.body.pendingMigrations).to.be.greaterThan(0);
    running.child.kill('SIGTERM');
    await running.exited;

    running = runListening({ DB_PATH: join(dir, 'bad.sqlite3'), ADMIN_USER_IDS: 'root' });
    const failed = await running.listening.then(
      () => 'listening',
      () => 'refused',
    );
    expect(failed).to.equal('refused');
    expect((await running.exited).code).to.equal(1);
    expect(running.output()).to.match(/failed to start: CONFIG\.INVALID_VALUE: ADMIN_USER_IDS/);
  });

  it('NODE_ENV=production without AUTH_JWT_SECRET / AUTH_JWKS_URL refuses to start (CONFIG.AUTH_REQUIRED) and writes no key', async () => {
    running = runListening({ DB_PATH: join(dir, 'prod.sqlite3'), NODE_ENV: 'production' });
    const outcome = await running.listening.then(
      () => 'listening',
      () => 'refused',
    );
    expect(outcome).to.equal('refused');
    expect((await running.exited).code).to.equal(1);
    expect(running.output()).to.match(/failed to start: CONFIG\.AUTH_REQUIRED/);
    expect(existsSync(join(dir, DEV_KEY_FILE))).to.equal(false);
  });

  it('METRICS_ENABLED=true opens the metrics listener on loopback before the API; a taken METRICS_PORT stops the start', async () => {
    running = runListening({ DB_PATH: join(dir, 'metrics.sqlite3'), METRICS_ENABLED: 'true', METRICS_PORT: '0' });
    await running.listening;
    const [, port] = await running.waitFor(/metrics at http:\/\/127\.0\.0\.1:(\d+)\/metrics/);
    const scrape = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(scrape.status).to.equal(200);
    expect(await scrape.text()).to.contain('# TYPE contractdesk_http_request_duration_seconds histogram');
    running.child.kill('SIGTERM');
    await running.exited;

    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const busyPort = String((taken.address() as AddressInfo).port);
      running = runListening({ DB_PATH: join(dir, 'metrics.sqlite3'), METRICS_ENABLED: 'true', METRICS_PORT: busyPort });
      expect(await running.listening.then(() => 'listening', () => 'refused')).to.equal('refused');
      expect((await running.exited).code).to.equal(1);
      expect(running.output()).to.match(new RegExp(`failed to start: SERVER\\.CANNOT_LISTEN: cannot listen on 127\\.0\\.0\\.1 port ${busyPort}: the port is in use\\. Fix: choose another METRICS_PORT or METRICS_HOST`));
    } finally {
      taken.close();
    }
  });
});
