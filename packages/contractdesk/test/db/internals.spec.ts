import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect } from 'chai';
import { EntityManager } from '@mikro-orm/core';
import { AbstractSqlConnection, BaseSqliteConnection } from '@mikro-orm/knex';
import { PostgreSqlConnection } from '@mikro-orm/postgresql';
import { EM_MAP_CONDITION, TESTED_VERSIONS, assertTestedVersions, installedVersions, knexSqliteTransactionClass } from '../../src/db/internals';
import { DomainError } from '../../src/errors/domain-error';

const knexRequire = createRequire(require.resolve('@mikro-orm/knex'));
const pkg = JSON.parse(readFileSync(require.resolve('../../package.json'), 'utf8')) as { peerDependencies: Record<string, string> };

/**
 * Canaries for every unexported MikroORM/knex behaviour ContractDesk relies on (src/db/internals.ts and the
 * protected members its driver subclasses use). Each fails with the name of what changed, so an upgrade says
 * exactly which piece of the fence to revisit.
 */
describe('internals the project relies on (canaries)', () => {
  it('package.json pins every @mikro-orm peer dependency exactly, to the tested version', () => {
    const mikro = Object.entries(pkg.peerDependencies).filter(([name]) => name.startsWith('@mikro-orm/') && name !== '@mikro-orm/nestjs');
    expect(mikro.length).to.be.greaterThan(3);
    for (const [name, range] of mikro) expect(range, name).to.equal(TESTED_VERSIONS['@mikro-orm/core']);
  });

  it('the installed MikroORM and knex are the tested ones, and any other version is refused with its name', () => {
    expect(installedVersions()).to.deep.equal(TESTED_VERSIONS);
    expect(() => assertTestedVersions()).not.to.throw();
    try {
      assertTestedVersions({ ...TESTED_VERSIONS, '@mikro-orm/core': '6.6.17' });
      expect.fail('a different MikroORM version must be refused');
    } catch (error) {
      expect(error).to.be.instanceOf(DomainError);
      expect((error as DomainError).code).to.equal('CONFIG.UNSUPPORTED_ORM_VERSION');
      expect((error as DomainError).message).to.contain('@mikro-orm/core 6.6.17').and.contain('6.6.16');
    }
  });

  it('em.map still decides type fixes by the condition typeFixedProps copies', () => {
    expect(EntityManager.prototype.map.toString(), 'EntityManager.prototype.map changed: revisit typeFixedProps').to.contain(EM_MAP_CONDITION);
  });

  it('the protected connection members the lean transactions call still exist', () => {
    const proto = AbstractSqlConnection.prototype as unknown as Record<string, unknown>;
    for (const member of ['executeQuery', 'logQuery', 'begin', 'commit', 'rollback', 'execute', 'transactional', 'getKnex']) {
      expect(typeof proto[member], `AbstractSqlConnection.${member}`).to.equal('function');
    }
    for (const Connection of [BaseSqliteConnection, PostgreSqlConnection]) {
      const transform = (Connection.prototype as unknown as Record<string, unknown>).transformRawResult;
      expect(typeof transform, `${Connection.name}.transformRawResult`).to.equal('function');
    }
  });

  it("knex's client lends and takes back raw connections, and drops ones marked disposed (pg's end listener sets the mark)", () => {
    const Client = knexRequire('knex/lib/client.js') as { prototype: Record<string, unknown> };
    expect(typeof Client.prototype.acquireConnection, 'knex Client.acquireConnection').to.equal('function');
    expect(typeof Client.prototype.releaseConnection, 'knex Client.releaseConnection').to.equal('function');
    const clientSource = readFileSync(knexRequire.resolve('knex/lib/client.js'), 'utf8');
    expect(clientSource, 'knex pool validation no longer checks __knex__disposed').to.contain('if (connection.__knex__disposed)');
    const pgSource = readFileSync(knexRequire.resolve('knex/lib/dialects/postgres/index.js'), 'utf8');
    expect(pgSource, "knex's pg client no longer marks ended connections").to.match(/connection\.on\('end'[\s\S]{0,120}__knex__disposed/);
  });

  it("knex's SQLite transaction class still has the begin() the knex-run transactions override", () => {
    const SqliteTransaction = knexSqliteTransactionClass();
    expect(typeof SqliteTransaction.prototype.begin, 'knex/lib/dialects/sqlite3/execution/sqlite-transaction begin()').to.equal('function');
  });
});
