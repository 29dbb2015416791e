import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../../../packages/contractdesk/src/db/better-sqlite3';
import { Client } from 'pg';
import { createConfig, initOrm } from '../../../../packages/contractdesk/src/config/orm-config';
import { COPY_MARKER_TABLE } from '../../../../packages/contractdesk/src/db/copy-marker';
import { PG_ADMIN_URL, createTestDatabase, databaseUrl, dropTestDatabase, postgresUnavailableReason } from '../../../../packages/contractdesk/test/helpers/postgres';
import { request } from './http';
import { type Main, runMain, killIfRunning } from './main-process';

/** The one-line verdict of a failed start, checked for everything an operator is promised. */
async function expectOneLineFailure(main: Main, code: string, secret?: string): Promise<string> {
  const { code: exit, at } = await main.exited;
  const out = main.output();
  expect(exit, out).to.equal(1);
  const lines = out.split('\n').filter((l) => l.includes('failed to start'));
  expect(lines, out).to.have.length(1);
  expect(lines[0]).to.match(new RegExp(`failed to start: ${code.replace('.', '\\.')}: .+\\. Fix: .+`));
  expect(out.split(code).length - 1, `${code} printed once:\n${out}`).to.equal(1);
  expect(out, 'no stack trace').not.to.match(/\n\s+at \S/);
  expect(out, 'no driver error class').not.to.match(/SqliteError|ECONNREFUSED|error: role/);
  if (secret) expect(out, 'password never printed').not.to.include(secret);
  const seconds = (at - (await main.firstLineAt)) / 1000;
  expect(seconds, `exited ${seconds}s after its first line`).to.be.lessThan(10);
  return lines[0];
}

async function migrate(env: Record<string, string>): Promise<void> {
  const orm = await initOrm({ env, log: () => undefined, options: { migrations: { ...createConfig(env).migrations, silent: true } } });
  await orm.migrator.up();
  await orm.close(true);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('app e2e: start-up that tells the truth', function () {
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

  describe('[sqlite]', () => {
    const cases: Array<[string, () => string, string]> = [
      [
        'a folder in DB_PATH that is a file',
        () => {
          writeFileSync(join(dir, 'plain-file'), 'x');
          return join(dir, 'plain-file', 'db.sqlite3');
        },
        'DB.CANNOT_OPEN',
      ],
      [
        'DB_PATH naming a folder',
        () => {
          mkdirSync(join(dir, 'folder.sqlite3'));
          return join(dir, 'folder.sqlite3');
        },
        'DB.CANNOT_OPEN',
      ],
      [
        'a file that is not a database',
        () => {
          writeFileSync(join(dir, 'text.sqlite3'), 'this is not a database, just text long enough to have a header'.repeat(20));
          return join(dir, 'text.sqlite3');
        },
        'DB.NOT_A_DATABASE',
      ],
    ];
    for (const [label, path, code] of cases) {
      it(`${label}: ${code} in one line with the path and a fix`, async () => {
        const file = path();
        main = runMain({ DB_PATH: file });
        const line = await expectOneLineFailure(main, code);
        expect(line).to.include(file);
      });
    }

    it('refuses a database that carries the db:copy marker, in one line', async () => {
      const file = join(dir, 'half-copied.sqlite3');
      await migrate({ DB_PATH: file });
      const db = openSqlite(file);
      db.exec(`create table ${COPY_MARKER_TABLE} (id integer primary key, source text, started_at text)`);
      db.close();
      main = runMain({ DB_PATH: file });
      const line = await expectOneLineFailure(main, 'DB.COPY_UNFINISHED');
      expect(line).to.include('db:copy');
      expect(main.output()).not.to.match(/listening on/);
    });

    it('logs the real bind address (all interfaces, or HOST) and one line when shutdown has finished', async () => {
      main = runMain({ DB_PATH: join(dir, 'everywhere.sqlite3') });
      const [, everywherePort] = await main.waitFor(/listening on http:\/\/(?:\[::\]|0\.0\.0\.0):(\d+) \(all interfaces\)/);
      expect((await request(`http://127.0.0.1:${everywherePort}`, 'GET', '/health')).status).to.equal(200);
      expect(main.output()).not.to.match(/\[::1\]|localhost/);
      main.child.kill('SIGTERM');
      expect((await main.exited).code).to.equal(0);
      expect(main.output().match(/stopped after SIGTERM in \d+ ms/g), main.output()).to.have.length(1);

      main = runMain({ DB_PATH: join(dir, 'loopback.sqlite3'), HOST: '127.0.0.1' });
      const [line, port] = await main.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)(.*)/);
      expect(line).not.to.include('all interfaces');
      expect((await request(`http://127.0.0.1:${port}`, 'GET', '/health')).status).to.equal(200);
      main.child.kill('SIGINT');
      expect((await main.exited).code).to.equal(0);
      expect(main.output()).to.match(/stopped after SIGINT in \d+ ms: requests finished, database closed/);
    });
  });

  describe('[postgresql]', () => {
    before(async function () {
      const reason = await postgresUnavailableReason();
      if (reason) {
        if (process.env.CI === 'true') throw new Error(`PostgreSQL is required under CI=true but unreachable: ${reason}`);
        this.skip();
      }
    });

    it('nothing listening on the port: DB.UNREACHABLE, password masked', async () => {
      const url = new URL(PG_ADMIN_URL);
      url.port = String(await freePort());
      url.username = 'app';
      url.password = 'sekret-pw-123';
      main = runMain({ DATABASE_URL: url.toString() });
      const line = await expectOneLineFailure(main, 'DB.UNREACHABLE', 'sekret-pw-123');
      expect(line).to.include(`app:***@${url.hostname}:${url.port}`);
    });

    it('an unknown role: DB.AUTH_FAILED, password masked', async () => {
      const url = new URL(PG_ADMIN_URL);
      url.username = `nobody_${process.pid}`;
      url.password = 'sekret-pw-456';
      main = runMain({ DATABASE_URL: url.toString() });
      await expectOneLineFailure(main, 'DB.AUTH_FAILED', 'sekret-pw-456');
    });

    it('refuses a database that carries the db:copy marker', async () => {
      const name = await createTestDatabase('startup_marker');
      try {
        const env = { DATABASE_URL: databaseUrl(name) };
        await migrate(env);
        const client = new Client({ connectionString: env.DATABASE_URL });
        await client.connect();
        await client.query(`create table ${COPY_MARKER_TABLE} (id integer primary key, source text, started_at text)`);
        await client.end();
        main = runMain(env);
        await expectOneLineFailure(main, 'DB.COPY_UNFINISHED');
      } finally {
        if (main && main.child.exitCode === null) main.child.kill('SIGKILL');
        await main?.exited;
        await dropTestDatabase(name);
      }
    });
  });
});
