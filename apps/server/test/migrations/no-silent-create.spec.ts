import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/core';
import { Client } from 'pg';
import { createApp } from '../../src/create-app';
import { createConfig, initOrm } from '../../../../packages/contractdesk/src/config/orm-config';
import { workspaceRoot as projectRoot } from '../../src/paths';
import { createDatabase } from '../../../../packages/contractdesk/src/tools/db-create';
import { expectDomainError } from '../../../../packages/contractdesk/test/helpers/expect-error';
import { PG_ADMIN_URL, dropTestDatabase, postgresUnavailableReason } from '../../../../packages/contractdesk/test/helpers/postgres';
import { recordSkippedPostgres } from '../../../../packages/contractdesk/test/helpers/root-hooks';

const quiet = () => undefined;
const PASSWORD = 'hunter2-never-logged';

/** A URL naming a database that does not exist, with a password that must never appear in any message. */
function missingDatabaseUrl(): { url: string; name: string } {
  const name = `contractdesk_test_missing_${randomBytes(4).toString('hex')}`;
  const url = new URL(PG_ADMIN_URL);
  url.password = PASSWORD;
  url.pathname = `/${name}`;
  return { url: url.toString(), name };
}

async function databaseExists(name: string): Promise<boolean> {
  const client = new Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return (await client.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('no silent database creation [postgresql]', function () {
  this.timeout(60_000);
  const created: string[] = [];

  before(async function () {
    const reason = await postgresUnavailableReason();
    if (reason) {
      if (process.env.CI === 'true') throw new Error(`PostgreSQL is required under CI=true but unreachable: ${reason}`);
      recordSkippedPostgres('no silent database creation', reason);
      this.skip();
    }
  });

  after(async () => {
    for (const name of created) await dropTestDatabase(name).catch(() => undefined);
  });

  function expectSafeMessage(message: string, name: string): void {
    expect(message).to.include(`"${name}"`);
    expect(message).not.to.include(PASSWORD);
  }

  it('initOrm (the library and the app): CONFIG.DATABASE_NOT_FOUND naming the database, nothing created', async () => {
    const { url, name } = missingDatabaseUrl();
    created.push(name);
    const error = await expectDomainError(initOrm({ env: { DATABASE_URL: url }, log: quiet }), 'CONFIG.DATABASE_NOT_FOUND');
    expectSafeMessage(error.message, name);
    expect(await databaseExists(name)).to.equal(false);
  });

  it('createApp: the start stops with CONFIG.DATABASE_NOT_FOUND before anything listens or migrates, nothing created', async () => {
    const { url, name } = missingDatabaseUrl();
    created.push(name);
    const error = await expectDomainError(createApp({ DATABASE_URL: url, MIGRATE_ON_START: 'true' }, { logger: false }), 'CONFIG.DATABASE_NOT_FOUND');
    expectSafeMessage(error.message, name);
    expect(await databaseExists(name)).to.equal(false);
  });

  it('the migrator (MIGRATE_ON_START, the CLI) on an ORM opened without the check: CONFIG.DATABASE_NOT_FOUND, nothing created', async () => {
    const { url, name } = missingDatabaseUrl();
    created.push(name);
    const env = { DATABASE_URL: url };
    // The CLI opens the ORM from mikro-orm.config.ts (createConfig) without initOrm's check.
    const orm = await MikroORM.init({ ...createConfig(env), migrations: { ...createConfig(env).migrations, silent: true } } as Options);
    try {
      expect(await databaseExists(name), 'MikroORM.init created it').to.equal(false);
      await expectDomainError(orm.migrator.up(), 'CONFIG.DATABASE_NOT_FOUND');
      await expectDomainError(orm.migrator.getPendingMigrations(), 'CONFIG.DATABASE_NOT_FOUND');
    } finally {
      await orm.close(true);
    }
    expect(await databaseExists(name)).to.equal(false);
  });

  it('main.ts exits 1 with CONFIG.DATABASE_NOT_FOUND on stderr, never the password', async () => {
    const { url, name } = missingDatabaseUrl();
    created.push(name);
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(projectRoot, 'apps/server/src/main.ts')], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', PORT: '0', DATABASE_URL: url, MIGRATE_ON_START: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, output).to.equal(1);
    expect(output).to.match(/CONFIG\.DATABASE_NOT_FOUND: database "contractdesk_test_missing_[0-9a-f]+" does not exist/);
    expect(output).not.to.include(PASSWORD);
    expect(output).not.to.match(/listening on/);
    expect(await databaseExists(name)).to.equal(false);
  });

  it('db:create is the explicit step: creates it once (idempotent), then the ORM opens and migrates it', async () => {
    const { name } = missingDatabaseUrl();
    created.push(name);
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${name}`;
    const env = { DATABASE_URL: url.toString() };
    expect(await createDatabase(env)).to.deep.equal({ database: name, created: true });
    expect(await createDatabase(env)).to.deep.equal({ database: name, created: false });
    const orm = await initOrm({ env, log: quiet, options: { migrations: { ...createConfig(env).migrations, silent: true } } });
    try {
      expect((await orm.migrator.up()).length).to.be.greaterThan(0);
    } finally {
      await orm.close(true);
    }
  });
});
