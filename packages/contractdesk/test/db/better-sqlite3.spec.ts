import { expect } from 'chai';
import { dirname, sep } from 'node:path';
import { betterSqlite3Package, betterSqlite3PackageFor, loadBetterSqlite3 } from '../../src/db/better-sqlite3';
import { describeEachDialect } from '../helpers/orm';

// Why two better-sqlite3 builds: src/db/better-sqlite3.ts. On Node 24 the 11.x build aborts the process when
// a garbage Statement is collected outside a JS context, so it must never be loaded there at all.
describe('better-sqlite3 build selection', () => {
  it('Node-API 10 and later (Node 22.14+, 24) get better-sqlite3 13; 9 (Node 20) gets MikroORM’s 11.10', () => {
    expect(betterSqlite3PackageFor('9')).to.equal('better-sqlite3');
    expect(betterSqlite3PackageFor('10')).to.equal('better-sqlite3-napi');
    expect(betterSqlite3PackageFor('11')).to.equal('better-sqlite3-napi');
    expect(betterSqlite3PackageFor(undefined)).to.equal('better-sqlite3');
  });

  it('the installed packages are the versions the rule assumes', () => {
    expect((require('better-sqlite3/package.json') as { version: string }).version).to.match(/^11\./);
    expect((require('better-sqlite3-napi/package.json') as { version: string }).version).to.match(/^13\./);
  });
});

describeEachDialect(
  'better-sqlite3 build used by the ORM',
  (db) => {
    it('the ORM’s SQLite connection is the chosen build, and the other build is never loaded', async function () {
      if (db.dialect !== 'sqlite') this.skip();
      const knex = db.orm.em.getConnection().getKnex();
      await knex.raw('select 1');
      const raw = await knex.client.acquireConnection();
      try {
        expect(raw).to.be.instanceOf(loadBetterSqlite3());
      } finally {
        await knex.client.releaseConnection(raw);
      }
      const other = betterSqlite3Package() === 'better-sqlite3' ? 'better-sqlite3-napi' : 'better-sqlite3';
      // By its folder, not require.resolve(other): on Node 24 the tests resolve the bare `better-sqlite3` to the
      // 13 build (helpers/stock-sqlite-build.ts), so only the package's own files tell the two apart.
      const otherDir = dirname(require.resolve(`${other}/package.json`)) + sep;
      // Its package.json may be read (versions are reported); its code and addon must not be.
      const loaded = Object.keys(require.cache).filter((file) => file.startsWith(otherDir) && !file.endsWith(`${sep}package.json`));
      expect(loaded, `${other} was loaded in this process`).to.deep.equal([]);
    });
  },
  { clearBeforeEach: false },
);
