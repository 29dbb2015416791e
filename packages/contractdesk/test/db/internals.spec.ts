import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Connection, EntityManager } from '@mikro-orm/core';
import { BetterSqliteConnection } from '@mikro-orm/better-sqlite';
import { AbstractSqlConnection, AbstractSqlDriver, AbstractSqlPlatform, BaseSqliteConnection, BetterSqliteKnexDialect } from '@mikro-orm/knex';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlConnection } from '@mikro-orm/postgresql';
import { type ContractDeskOrm, initOrm } from '../../src/config/orm-config';
import {
  CREATE_KNEX_STEPS,
  KnexBetterSqliteDialect,
  MIGRATOR_READS_CONFIG,
  TESTED_VERSIONS,
  asKnexTransaction,
  assertTestedVersions,
  connectionConfig,
  connectionExecuteQuery,
  connectionLogQuery,
  connectionName,
  connectionTransformRawResult,
  connectionType,
  driverPrimaryConnection,
  driverReplicaConnections,
  installedVersions,
  knexAcquireConnection,
  knexAcquireRawConnection,
  knexAcquireTimeoutMs,
  knexClientOf,
  knexClientOfTransaction,
  knexConnectionSettings,
  knexPoolStats,
  knexReleaseConnection,
  knexSqliteTransactionClass,
  knexTransactionClient,
  withMigrationsOptions,
} from '../../src/db/internals';
import { SQLITE_READER } from '../../src/db/replicas';
import { ContractDeskSqlitePlatform, ContractDeskSqliteSchemaHelper } from '../../src/db/sqlite-schema-helper';
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

  it('the protected connection members the lean transactions call still exist', () => {
    const proto = AbstractSqlConnection.prototype as unknown as Record<string, unknown>;
    for (const member of ['executeQuery', 'logQuery', 'createKnexClient', 'begin', 'commit', 'rollback', 'execute', 'transactional', 'getKnex']) {
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

  it("knex's SQLite transaction class still has the begin() the knex-run transactions override, and what it reads", () => {
    const SqliteTransaction = knexSqliteTransactionClass();
    expect(typeof SqliteTransaction.prototype.begin, 'knex/lib/dialects/sqlite3/execution/sqlite-transaction begin()').to.equal('function');
    // ImmediateTransaction (db/sqlite-driver.ts) reads readOnly, trxClient and client while knex begins it.
    const transactionSource = readFileSync(knexRequire.resolve('knex/lib/execution/transaction.js'), 'utf8');
    expect(transactionSource, 'knex Transaction: readOnly from its config').to.contain('this.readOnly = config.readOnly');
    expect(transactionSource, 'knex Transaction: trxClient set before begin(connection)').to.match(/this\.trxClient = makeTxClient\([\s\S]{0,200}this\.begin\(connection\)/);
    const sqliteSource = readFileSync(knexRequire.resolve('knex/lib/dialects/sqlite3/index.js'), 'utf8');
    expect(sqliteSource, 'knex Client_SQLite3.transaction(): new Transaction(this, ...arguments)').to.contain('return new Transaction_Sqlite(this, ...arguments)');
  });

  it("knex's better-sqlite3 client still has the members ContractDeskSqliteDialect overrides and reads", async () => {
    expect(KnexBetterSqliteDialect, 'KnexBetterSqliteDialect is BetterSqliteKnexDialect').to.equal(BetterSqliteKnexDialect);
    const proto = BetterSqliteKnexDialect.prototype as unknown as Record<string, unknown>;
    for (const member of ['_driver', 'transaction', 'acquireRawConnection']) {
      expect(typeof proto[member], `knex better-sqlite3 client ${member}()`).to.equal('function');
    }
    const clientSource = readFileSync(knexRequire.resolve('knex/lib/client.js'), 'utf8');
    expect(clientSource, 'knex Client.initializeDriver() calls _driver()').to.contain('this.driver = this._driver()');
    const pragmas = { busyTimeoutMs: 1 };
    const client = new KnexBetterSqliteDialect({ client: 'better-sqlite3', connection: { filename: ':memory:', pragmas } });
    expect(knexConnectionSettings<{ pragmas: object }>(client)?.pragmas, 'knex Client.connectionSettings').to.deep.equal(pragmas);
    await (client as unknown as { destroy(): Promise<void> }).destroy();
  });

  it('BetterSqliteConnection.createKnex() is still the two steps useKnexDialect repeats', () => {
    const source = BetterSqliteConnection.prototype.createKnex.toString();
    for (const step of CREATE_KNEX_STEPS) expect(source, `BetterSqliteConnection.createKnex: ${step}`).to.contain(step);
  });

  it("the Migrator reads its settings through em.config.get('migrations'), which withMigrationsOptions answers", () => {
    const source = Migrator.toString();
    for (const read of MIGRATOR_READS_CONFIG) expect(source, `Migrator constructor: ${read}`).to.contain(read);
    const options = { tableName: 'x' };
    const config = { get: (key: string) => `config:${key}` };
    const em = { config, getDriver: () => 'driver' } as unknown as EntityManager;
    const view = withMigrationsOptions(em, options);
    expect(view.config.get('migrations')).to.equal(options);
    expect(view.config.get('dbName')).to.equal('config:dbName');
    expect(view.getDriver()).to.equal('driver');
  });

  it("MikroORM hands a transaction context to knex's transacting(), which adopts a transaction client by its flag", () => {
    expect(AbstractSqlConnection.prototype.execute.toString(), 'AbstractSqlConnection.execute: query.transacting(ctx)').to.contain('query.transacting(ctx)');
    const augmenter = readFileSync(knexRequire.resolve('knex/lib/builder-interface-augmenter.js'), 'utf8');
    expect(augmenter, 'knex transacting(): checks transaction.client.transacting').to.contain('if (!transaction.client.transacting)');
    expect(augmenter, 'knex transacting(): adopts transaction.client').to.contain('this.client = transaction.client');
    const runner = readFileSync(knexRequire.resolve('knex/lib/execution/runner.js'), 'utf8');
    expect(runner, "knex Runner: the client's acquireConnection()").to.contain('await this.client.acquireConnection()');
    expect(runner, "knex Runner: the client's releaseConnection()").to.contain('await this.client.releaseConnection(acquiredConnection)');
  });

  it('the SQLite platform still keeps its schema helper in the protected `schemaHelper` our platform overrides', () => {
    expect(AbstractSqlPlatform.prototype.getSchemaHelper.toString(), 'AbstractSqlPlatform.getSchemaHelper returns this.schemaHelper').to.contain('this.schemaHelper');
    expect(new ContractDeskSqlitePlatform().getSchemaHelper(), 'ContractDeskSqlitePlatform.schemaHelper').to.be.instanceOf(ContractDeskSqliteSchemaHelper);
  });

  it("knex's error wording that errors/translate.ts recognises", () => {
    const client = readFileSync(knexRequire.resolve('knex/lib/client.js'), 'utf8');
    expect(client, 'knex acquire timeout: KnexTimeoutError').to.contain('new KnexTimeoutError(');
    expect(client, "knex acquire timeout: 'Knex: Timeout acquiring a connection'").to.contain('Knex: Timeout acquiring a connection');
    const transaction = readFileSync(knexRequire.resolve('knex/lib/execution/transaction.js'), 'utf8');
    expect(transaction, "knex: 'Transaction query already complete'").to.contain('Transaction query already complete');
  });

  describe('on a running ORM (SQLite file: a writer and a reader replica)', () => {
    let dir: string;
    let orm: ContractDeskOrm;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'contractdesk-internals-'));
      orm = await initOrm({ env: { DB_PATH: join(dir, 'db.sqlite3'), DB_BUSY_TIMEOUT: '4321' }, log: () => undefined });
      await orm.em.getConnection('read').execute('select 1');
    });

    after(async () => {
      await orm?.close(true);
      rmSync(dir, { recursive: true, force: true });
    });

    it("the driver's protected connection and replicas", () => {
      expect(AbstractSqlDriver.length, 'AbstractSqlDriver constructor(config, platform, connection, connector)').to.equal(4);
      const driver = orm.em.getDriver();
      const primary = driverPrimaryConnection(driver);
      expect(primary, 'DatabaseDriver.connection').to.be.instanceOf(Connection).and.equal(driver.getConnection('write'));
      const replicas = driverReplicaConnections(driver);
      expect(replicas, 'DatabaseDriver.replicas').to.be.an('array').with.lengthOf(1);
      expect(replicas[0], 'DatabaseDriver.replicas').to.be.instanceOf(Connection).and.not.equal(primary);
    });

    it('the protected connection members type, options, config, client and connected', () => {
      const driver = orm.em.getDriver();
      const primary = driverPrimaryConnection(driver);
      const [reader] = driverReplicaConnections(driver);
      expect(connectionType(primary), 'Connection.type').to.equal('write');
      expect(connectionType(reader), 'Connection.type').to.equal('read');
      expect(connectionName(reader), 'Connection.options.name').to.equal(SQLITE_READER);
      expect(connectionConfig(primary), 'Connection.config').to.equal(orm.config);
      // useKnexDialect sets these two; MikroORM reads them as its knex instance and connection state.
      const internals = primary as unknown as { client: unknown; connected: unknown };
      expect(internals.client, 'AbstractSqlConnection.client').to.equal(primary.getKnex());
      expect(internals.connected, 'Connection.connected').to.equal(true);
      expect(knexClientOf(primary), 'our knex dialect under getKnex().client').to.be.instanceOf(KnexBetterSqliteDialect);
    });

    it('the protected connection methods executeQuery, logQuery and transformRawResult', async () => {
      const primary = driverPrimaryConnection(orm.em.getDriver());
      expect(await connectionExecuteQuery(primary, 'select 1', async () => 42), 'Connection.executeQuery').to.equal(42);
      expect(() => connectionLogQuery(primary, 'select 1'), 'Connection.logQuery').not.to.throw();
      expect(connectionTransformRawResult(primary, [{ a: 1 }], 'get'), 'AbstractSqlConnection.transformRawResult').to.deep.equal({ a: 1 });
    });

    it("knex's client: config.pool, connectionSettings, acquire/release and raw connections", async () => {
      const client = knexClientOf(driverPrimaryConnection(orm.em.getDriver()));
      expect(knexAcquireTimeoutMs(client), 'knex Client.config.pool.acquireTimeoutMillis').to.equal(4321);
      expect(knexConnectionSettings<{ pragmas: { busyTimeoutMs: number } }>(client)?.pragmas?.busyTimeoutMs, 'knex Client.connectionSettings').to.equal(4321);
      const connection = (await knexAcquireConnection(client)) as { prepare(sql: string): { get(): unknown } };
      try {
        expect(connection.prepare('select 7 as n').get(), 'knex Client.acquireConnection').to.deep.equal({ n: 7 });
      } finally {
        await knexReleaseConnection(client, connection);
      }
      const raw = (await knexAcquireRawConnection(client)) as { prepare(sql: string): { get(): unknown }; close(): void };
      expect(raw.prepare('select 8 as n').get(), 'knex Client.acquireRawConnection').to.deep.equal({ n: 8 });
      raw.close();
    });

    it("knex's client.pool is a tarn Pool whose counts knexPoolStats reads", async () => {
      const client = knexClientOf(driverPrimaryConnection(orm.em.getDriver()));
      const idle = knexPoolStats(client);
      expect(idle, 'knex Client.pool (tarn): numUsed, numFree, numPendingAcquires, max').to.include({ inUse: 0, waiting: 0 });
      expect(idle?.max, 'tarn Pool.max').to.be.a('number').and.greaterThan(0);
      const connection = await knexAcquireConnection(client);
      try {
        const busy = knexPoolStats(client);
        expect(busy?.inUse, 'tarn Pool.numUsed() counts a borrowed connection').to.equal(1);
        expect(busy?.size, 'size = used + free').to.be.at.least(1);
      } finally {
        await knexReleaseConnection(client, connection);
      }
      expect(knexPoolStats(client)?.inUse, 'tarn Pool.numUsed() after release').to.equal(0);
    });

    it('a transaction client built by knexTransactionClient runs knex queries on its own connection', async () => {
      const primary = driverPrimaryConnection(orm.em.getDriver()) as AbstractSqlConnection;
      const base = knexClientOf(primary);
      const held = await knexAcquireConnection(base);
      let acquired = 0;
      try {
        const trx = asKnexTransaction({ client: knexTransactionClient(base, () => (acquired++, Promise.resolve(held))) });
        expect(knexClientOfTransaction(trx), 'a knex transaction context carries its client').to.equal((trx as unknown as { client: unknown }).client);
        const rows = (await primary.getKnex().raw('select 9 as n').transacting(trx)) as unknown;
        expect(rows, 'knex raw().transacting(ctx) on the transaction client').to.deep.equal([{ n: 9 }]);
        expect(acquired, "knex ran the query through the transaction client's acquireConnection").to.equal(1);
      } finally {
        await knexReleaseConnection(base, held);
      }
    });
  });
});
