import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { configuredSqlitePath, resolveBackend } from '../../src/config/backend';
import { ConfigError } from '../../src/errors/domain-error';
import { createDatabase } from '../../src/tools/db-create';
import { envFor } from '../../src/tools/db-copy';

function sqlitePath(env: Record<string, string>): string {
  const backend = resolveBackend(env);
  if (backend.kind !== 'sqlite') throw new Error(`expected SQLite, got ${backend.kind}`);
  return backend.path;
}

function refusal(env: Record<string, string>): { code: string; message: string } {
  try {
    resolveBackend(env);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return { code: (error as ConfigError).code, message: (error as ConfigError).message };
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('DATABASE_URL: sqlite: and file: URLs select SQLite like DB_PATH', () => {
  const cwd = process.cwd();

  for (const scheme of ['sqlite', 'file', 'SQLite', 'FILE']) {
    it(`${scheme}: relative, absolute and in-memory forms resolve as DB_PATH would`, () => {
      expect(sqlitePath({ DATABASE_URL: `${scheme}:./data/x.db` })).to.equal(join(cwd, 'data/x.db'));
      expect(sqlitePath({ DATABASE_URL: `${scheme}:data/x.db` })).to.equal(join(cwd, 'data/x.db'));
      expect(sqlitePath({ DATABASE_URL: `${scheme}:../up.db` })).to.equal(resolve(cwd, '../up.db'));
      expect(sqlitePath({ DATABASE_URL: `${scheme}:///var/lib/x.db` })).to.equal('/var/lib/x.db');
      expect(sqlitePath({ DATABASE_URL: `${scheme}://localhost/var/lib/x.db` })).to.equal('/var/lib/x.db');
      expect(sqlitePath({ DATABASE_URL: `${scheme}:/var/lib/x.db` })).to.equal('/var/lib/x.db');
      expect(sqlitePath({ DATABASE_URL: `${scheme}::memory:` })).to.equal(':memory:');
    });
  }

  it('gives the URL the same result as the matching DB_PATH, SQLite settings included', () => {
    for (const [url, path] of [
      ['sqlite:./data/x.db', './data/x.db'],
      ['file:///abs/x.db', '/abs/x.db'],
      ['sqlite::memory:', ':memory:'],
    ]) {
      const extra = { DB_SYNCHRONOUS: 'FULL', DB_BUSY_TIMEOUT: '42' };
      expect(resolveBackend({ DATABASE_URL: url, ...extra }), url).to.deep.equal(resolveBackend({ DB_PATH: path, ...extra }));
    }
  });

  it('decodes percent-escapes in the path, in both the relative and the // forms', () => {
    expect(sqlitePath({ DATABASE_URL: 'sqlite:./my%20data/x%3Fy.db' })).to.equal(join(cwd, 'my data/x?y.db'));
    expect(sqlitePath({ DATABASE_URL: 'file:///tmp/a%20b/%23c.db' })).to.equal('/tmp/a b/#c.db');
    expect(sqlitePath({ DATABASE_URL: 'sqlite:///tmp/caf%C3%A9.db' })).to.equal('/tmp/café.db');
  });

  it('refuses malformed SQLite URLs with CONFIG.INVALID_DATABASE_URL, saying what to write instead', () => {
    const cases: Array<[string, RegExp]> = [
      ['sqlite://data/x.db', /names a host.*sqlite:\/\/\/absolute\/path\.db.*sqlite:\.\/relative/],
      ['file://db.example/x.db', /names a host/],
      ['sqlite:./x.db?mode=ro', /no query or fragment/],
      ['file:x.db#frag', /no query or fragment/],
      ['file::memory:?cache=shared', /no query or fragment/],
      ['sqlite:./x%zz.db', /malformed percent-escape/],
      ['sqlite:./x%00.db', /NUL/],
      ['sqlite:', /names no database file/],
      ['sqlite://', /names no database file/],
      ['file:./data/', /names no database file/],
    ];
    for (const [url, message] of cases) {
      const { code, message: text } = refusal({ DATABASE_URL: url });
      expect(code, url).to.equal('CONFIG.INVALID_DATABASE_URL');
      expect(text, url).to.match(message);
    }
  });

  it('refuses other schemes with CONFIG.UNSUPPORTED_DATABASE_URL, listing the supported ones', () => {
    for (const url of ['mysql://root@h/db', 'sqlite3:///x.db', 'http://db']) {
      const { code, message } = refusal({ DATABASE_URL: url });
      expect(code, url).to.equal('CONFIG.UNSUPPORTED_DATABASE_URL');
      expect(message).to.contain('postgres://').and.contain('postgresql://').and.contain('sqlite:').and.contain('file:');
    }
  });

  it('accepts DATABASE_URL and DB_PATH together when they name the same database', () => {
    expect(sqlitePath({ DATABASE_URL: 'sqlite:./data/x.db', DB_PATH: 'data/x.db' })).to.equal(join(cwd, 'data/x.db'));
    expect(sqlitePath({ DATABASE_URL: `file://${cwd}/data/./x.db`, DB_PATH: './data/x.db' })).to.equal(join(cwd, 'data/x.db'));
    expect(sqlitePath({ DATABASE_URL: 'file::memory:', DB_PATH: ':memory:' })).to.equal(':memory:');
  });

  it('refuses DATABASE_URL and DB_PATH naming different databases with CONFIG.CONFLICTING_DATABASE', () => {
    for (const env of [
      { DATABASE_URL: 'sqlite:./data/x.db', DB_PATH: './data/y.db' },
      { DATABASE_URL: 'sqlite::memory:', DB_PATH: './data/x.db' },
      { DATABASE_URL: 'file:///abs/x.db', DB_PATH: ':memory:' },
      { DATABASE_URL: 'postgresql://app@db/cd', DB_PATH: './data/x.db' },
    ]) {
      const { code, message } = refusal(env);
      expect(code, JSON.stringify(env)).to.equal('CONFIG.CONFLICTING_DATABASE');
      expect(message).to.contain('DB_PATH').and.contain('DATABASE_URL');
    }
  });

  it('configuredSqlitePath (the dev key folder follows it) reads the URL too, and nothing for the default or PostgreSQL', () => {
    expect(configuredSqlitePath({ DATABASE_URL: 'sqlite:./data/x.db' })).to.equal(join(cwd, 'data/x.db'));
    expect(configuredSqlitePath({ DB_PATH: '/abs/x.db' })).to.equal('/abs/x.db');
    expect(configuredSqlitePath({})).to.equal(undefined);
    expect(configuredSqlitePath({ DATABASE_URL: 'postgres://h/db' })).to.equal(undefined);
  });

  it('db:copy takes the same forms: a location with a scheme is a DATABASE_URL, anything else a DB_PATH', () => {
    expect(envFor('sqlite:./data/x.db')).to.include({ DATABASE_URL: 'sqlite:./data/x.db', DB_PATH: undefined });
    expect(envFor('file:///abs/x.db')).to.include({ DATABASE_URL: 'file:///abs/x.db' });
    expect(envFor('postgres://h/db')).to.include({ DATABASE_URL: 'postgres://h/db' });
    expect(envFor('mysql://h/db')).to.include({ DATABASE_URL: 'mysql://h/db' });
    expect(envFor('./data/x.db')).to.include({ DB_PATH: './data/x.db', DATABASE_URL: undefined });
    expect(envFor(':memory:')).to.include({ DB_PATH: ':memory:' });
    expect(envFor('C:\\data\\x.db')).to.include({ DB_PATH: 'C:\\data\\x.db' });
  });

  it('db:create refuses a sqlite: URL (CONFIG.INVALID_VALUE naming the SQLite file) and creates nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'contractdesk-url-'));
    try {
      const file = join(dir, 'x.db');
      const error = await createDatabase({ DATABASE_URL: `sqlite://${file}` }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(ConfigError).with.property('code', 'CONFIG.INVALID_VALUE');
      expect((error as Error).message).to.contain('selects SQLite').and.contain(file);
      expect(existsSync(file)).to.equal(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
