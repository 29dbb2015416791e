import { expect } from 'chai';
import { isAbsolute, join } from 'node:path';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import { createConfig, migrationPaths } from '../../src/config/orm-config';
import { describeBackend, redactUrl, resolveBackend } from '../../src/config/backend';
import { ConfigError } from '../../src/errors/domain-error';
import { ContractDeskSqliteDriver } from '../../src/db/sqlite-driver';
import { ContractDeskPostgreSqlDriver } from '../../src/db/pg-driver';

describe('createConfig / resolveBackend', () => {
  it('defaults to a SQLite file under ./data with WAL, NORMAL and a 5 s busy timeout', () => {
    const backend = resolveBackend({});
    expect(backend).to.deep.include({ kind: 'sqlite', synchronous: 'NORMAL', busyTimeoutMs: 5000 });
    expect(backend.kind === 'sqlite' && backend.path).to.equal(join(process.cwd(), 'data', 'contractdesk.sqlite3'));
    const config = createConfig({ DB_PATH: ':memory:' });
    expect(config.driver).to.equal(ContractDeskSqliteDriver);
    expect(config.dbName).to.equal(':memory:');
  });

  it('uses DB_PATH, DB_SYNCHRONOUS=FULL and DB_BUSY_TIMEOUT for SQLite', () => {
    const backend = resolveBackend({ DB_PATH: '/tmp/x/y.sqlite3', DB_SYNCHRONOUS: 'full', DB_BUSY_TIMEOUT: '250' });
    expect(backend).to.deep.equal({ kind: 'sqlite', path: '/tmp/x/y.sqlite3', synchronous: 'FULL', busyTimeoutMs: 250 });
    const relative = resolveBackend({ DB_PATH: 'var/db.sqlite3' });
    expect(relative.kind === 'sqlite' && isAbsolute(relative.path)).to.equal(true);
  });

  for (const scheme of ['postgres', 'postgresql', 'POSTGRES']) {
    it(`switches to PostgreSQL for ${scheme}:// URLs, pool size from DB_POOL_MAX`, () => {
      const url = `${scheme}://app:s3cret@db.example:5432/contractdesk`;
      const config = createConfig({ DATABASE_URL: url, DB_POOL_MAX: '7' });
      expect(config.driver).to.equal(ContractDeskPostgreSqlDriver);
      expect(config.clientUrl).to.equal(url);
      expect(config.pool).to.deep.include({ max: 7 });
      expect(config.driver).not.to.equal(BetterSqliteDriver);
    });
  }

  it('refuses unsupported URL schemes instead of silently falling back to SQLite', () => {
    for (const url of ['mysql://root@localhost/db', 'sqlite3:///tmp/x.db', 'mongodb://x', 'http://db', './data/x.db']) {
      expect(() => createConfig({ DATABASE_URL: url }), url)
        .to.throw(ConfigError)
        .with.property('code', 'CONFIG.UNSUPPORTED_DATABASE_URL');
    }
  });

  it('rejects malformed numeric and enum settings with CONFIG.INVALID_VALUE', () => {
    const bad = [
      { DB_SYNCHRONOUS: 'OFF' },
      { DB_BUSY_TIMEOUT: '-1' },
      { DB_BUSY_TIMEOUT: 'soon' },
      { DATABASE_URL: 'postgres://h/db', DB_POOL_MAX: '0' },
      { DATABASE_URL: 'postgres://h/db', DB_POOL_MAX: 'many' },
    ];
    for (const env of bad) {
      expect(() => createConfig(env), JSON.stringify(env)).to.throw(ConfigError).with.property('code', 'CONFIG.INVALID_VALUE');
    }
  });

  it('treats an empty DATABASE_URL as unset', () => {
    expect(resolveBackend({ DATABASE_URL: '  ', DB_PATH: ':memory:' }).kind).to.equal('sqlite');
  });

  it('closes the batch-update pitfall and keeps migrations transactional with FKs on', () => {
    const config = createConfig({ DB_PATH: ':memory:' });
    expect(config.useBatchUpdates).to.equal(false);
    expect(config.migrations).to.deep.include({ transactional: true, allOrNothing: true, disableForeignKeys: false });
  });

  it('uses an explicit snapshot name and folder per dialect', () => {
    expect(createConfig({ DB_PATH: ':memory:' }).migrations).to.deep.include(migrationPaths('sqlite'));
    expect(createConfig({ DATABASE_URL: 'postgres://h/db' }).migrations).to.deep.include(migrationPaths('postgresql'));
    expect(migrationPaths('sqlite').snapshotName).to.equal('.snapshot-sqlite');
    expect(migrationPaths('postgresql').pathTs).to.match(/migrations[\\/]postgresql$/);
  });

  it('names the backend in the startup line without the password', () => {
    const line = describeBackend(resolveBackend({ DATABASE_URL: 'postgresql://app:s3cret@db:5432/cd' }));
    expect(line).to.contain('PostgreSQL').and.contain('app:***@db').and.not.contain('s3cret');
    expect(describeBackend(resolveBackend({ DB_PATH: ':memory:' }))).to.contain('SQLite (in memory');
    expect(redactUrl('not a url')).not.to.contain('not a url');
  });
});
