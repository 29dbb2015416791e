import { expect } from 'chai';
import { resolveBackend } from '../../src/config/backend';
import { DatabaseStartupError, databaseStartupError } from '../../src/errors/database-startup';
import { ConfigError } from '../../src/errors/domain-error';

const sqlite = resolveBackend({ DB_PATH: '/srv/app/db.sqlite3' });
const pg = resolveBackend({ DATABASE_URL: 'postgresql://app:hunter2@db.internal:5432/contractdesk' });
const coded = (code: string, message = 'driver text with "quotes" and SQL select 1') => Object.assign(new Error(message), { code });

describe('start-up database errors', () => {
  it('maps driver and file-system failures to one stable code each, with the target and no driver text', () => {
    const cases: Array<[typeof sqlite, unknown, string]> = [
      [sqlite, coded('EROFS'), 'DB.READ_ONLY'],
      [sqlite, coded('SQLITE_READONLY_DBMOVED'), 'DB.READ_ONLY'],
      [sqlite, coded('EACCES'), 'DB.CANNOT_OPEN'],
      [sqlite, coded('SQLITE_CANTOPEN'), 'DB.CANNOT_OPEN'],
      [sqlite, coded('ENOTDIR'), 'DB.CANNOT_OPEN'],
      [sqlite, coded('SQLITE_NOTADB'), 'DB.NOT_A_DATABASE'],
      [sqlite, coded('SQLITE_CORRUPT'), 'DB.CORRUPT'],
      [sqlite, coded('SQLITE_BUSY'), 'DB.BUSY'],
      [sqlite, coded('ENOSPC'), 'DB.DISK_FULL'],
      [pg, coded('ECONNREFUSED'), 'DB.UNREACHABLE'],
      [pg, coded('ENOTFOUND'), 'DB.UNREACHABLE'],
      [pg, new Error('Connection terminated due to connection timeout'), 'DB.UNREACHABLE'],
      [pg, coded('28P01'), 'DB.AUTH_FAILED'],
      [pg, coded('28000'), 'DB.AUTH_FAILED'],
      [pg, coded('3D000'), 'DB.NOT_FOUND'],
      [pg, coded('42501'), 'DB.PERMISSION_DENIED'],
      // Wrapped by MikroORM/knex/Nest: the cause chain is searched.
      [pg, Object.assign(new Error('wrapper'), { cause: coded('28P01') }), 'DB.AUTH_FAILED'],
    ];
    for (const [backend, error, code] of cases) {
      const mapped = databaseStartupError(error, backend);
      expect(mapped, code).to.be.instanceOf(DatabaseStartupError);
      const line = (mapped as DatabaseStartupError).line();
      expect(line, code).to.match(new RegExp(`^${code.replace('.', '\\.')}: .+\\. Fix: .+`));
      expect(line).not.to.match(/driver text|select 1|hunter2/);
      expect(line).to.include(backend.kind === 'sqlite' ? '/srv/app/db.sqlite3' : 'app:***@db.internal:5432/contractdesk');
    }
  });

  it('passes DomainErrors through and leaves errors that are not about the database alone', () => {
    const config = new ConfigError('CONFIG.DATABASE_NOT_FOUND', 'no such database');
    expect(databaseStartupError(config, pg)).to.equal(config);
    expect(databaseStartupError(new TypeError('x is undefined'), pg)).to.equal(undefined);
    expect(databaseStartupError(coded('SQLITE_NOTADB'), pg), 'SQLite codes mean nothing on PostgreSQL').to.equal(undefined);
  });
});
