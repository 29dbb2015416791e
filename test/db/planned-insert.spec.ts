import { expect } from 'chai';
import type { EntityDictionary } from '@mikro-orm/core';
import { AbstractSqlDriver } from '@mikro-orm/knex';
import { Contract } from '../../src/entities/contract.entity';
import { User } from '../../src/entities/user.entity';
import { PartyRole } from '../../src/domain/party-role';
import { TransactionScope } from '../../src/services/transaction-scope';
import { describeEachDialect } from '../helpers/orm';
import { MAX_BOUND_PARAMS } from '../../src/db/bound-params';
import { expectDomainError } from '../helpers/expect-error';
import { makeUser, uniqueName } from '../helpers/factories';

type InsertMany = (this: AbstractSqlDriver, ...args: Parameters<AbstractSqlDriver['nativeInsertMany']>) => ReturnType<AbstractSqlDriver['nativeInsertMany']>;
/** The prototype's method as a plain property, so the test can wrap and restore it. */
const driverPrototype = AbstractSqlDriver.prototype as unknown as { nativeInsertMany: InsertMany };

/**
 * The Unit of Work's batched INSERT goes through the driver's nativeInsertMany with its text written once per
 * entity, column shape and row count (src/db/planned-insert.ts); everything else keeps MikroORM's own path.
 */
describeEachDialect('planned batched inserts', (db) => {
  const stock = driverPrototype.nativeInsertMany;

  interface Run {
    /** Calls that reached MikroORM's own nativeInsertMany. */
    stockCalls: number;
    /** The INSERT statements sent, with their values. */
    inserts: Array<{ sql: string; params: unknown[] }>;
  }

  /**
   * Runs `work` counting calls of MikroORM's own nativeInsertMany and recording the INSERTs sent; with `stockOnly`
   * the driver's override is bypassed, so the same work goes through MikroORM's path.
   */
  async function observed(work: () => Promise<unknown>, stockOnly = false): Promise<Run> {
    const run: Run = { stockCalls: 0, inserts: [] };
    const driver = db.orm.em.getDriver() as unknown as { nativeInsertMany: InsertMany };
    const config = db.orm.config;
    const onQuery = config.get('onQuery');
    driverPrototype.nativeInsertMany = function (this: AbstractSqlDriver, ...args: Parameters<InsertMany>) {
      run.stockCalls++;
      return stock.apply(this, args);
    };
    if (stockOnly) driver.nativeInsertMany = driverPrototype.nativeInsertMany;
    config.set('onQuery', (sql: string, params: unknown[]) => {
      if (/^insert into/.test(sql)) run.inserts.push({ sql, params: [...params] });
      return onQuery(sql, params);
    });
    try {
      await work();
    } finally {
      driverPrototype.nativeInsertMany = stock;
      delete (driver as { nativeInsertMany?: InsertMany }).nativeInsertMany;
      config.set('onQuery', onQuery);
    }
    return run;
  }

  /** Fresh entities for the same rows each call: amounts beyond 2^53, quotes, nullable columns set and unset. */
  function entities(): { users: User[]; contracts: Contract[] } {
    const users = [0, 1, 2].map((i) => {
      const user = new User({ username: `planned${i}`, email: `planned${i}@example.com`, role: PartyRole.Both, authSubject: i === 1 ? 'sub|1' : null });
      user.id = `00000000-0000-4000-8000-00000000000${i}`;
      user.createdAt = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6 + i));
      return user;
    });
    const amounts = [0n, 1n, 2n ** 53n + 1n, 2n ** 63n - 1n, 9_007_199_254_740_993n];
    const contracts = amounts.map((amount, i) => {
      const contract = new Contract({ title: `it's "quoted" \\ ${i}`, client: users[i % 3], freelancer: users[(i + 1) % 3], amount });
      contract.id = `00000000-0000-4000-8000-0000000001${String(i).padStart(2, '0')}`;
      contract.createdAt = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 100 + i));
      contract.updatedAt = new Date(Date.UTC(2026, 5, 30, 23, 59, 59, 999));
      return contract;
    });
    // PostgreSQL text cannot hold NUL at all; SQLite stores it, and the constructor's validation is bypassed here.
    if (db.dialect === 'sqlite') contracts[0].title = 'nul\u0000inside';
    return { users, contracts };
  }

  async function flush(built: { users: User[]; contracts: Contract[] }): Promise<void> {
    await new TransactionScope(db.em()).write(async (em) => {
      em.persist(built.users);
      em.persist(built.contracts);
    });
  }

  /** Every column of every row, each value exactly as stored (SQLite: storage class and bytes; PostgreSQL: text). */
  async function stored(table: string): Promise<string[]> {
    const connection = db.em().getConnection();
    const columns =
      db.dialect === 'sqlite'
        ? (await connection.execute<Array<{ name: string }>>(`select name from pragma_table_info('${table}') order by cid`)).map((c) => c.name)
        : (
            await connection.execute<Array<{ name: string }>>(
              `select column_name as name from information_schema.columns where table_schema = 'public' and table_name = '${table}' order by ordinal_position`,
            )
          ).map((c) => c.name);
    const exact = (c: string) => (db.dialect === 'sqlite' ? `typeof("${c}") || ':' || coalesce(hex("${c}"), 'NULL')` : `coalesce("${c}"::text, 'NULL')`);
    const rows = await connection.execute<Array<{ row: string }>>(`select ${columns.map(exact).join(` || '|' || `)} as "row" from "${table}" order by "id"`);
    expect(rows).to.have.length.greaterThan(0);
    return rows.map((r) => `${columns.join(',')}=${r.row}`);
  }

  async function clear(): Promise<void> {
    await db.em().getConnection().execute('delete from contractdesk_contracts');
    await db.em().getConnection().execute('delete from contractdesk_users');
  }

  it('a flush writes the same statements and the same bytes as MikroORM\'s own path, without it', async () => {
    const planned = entities();
    const ours = await observed(() => flush(planned));
    expect(ours.stockCalls).to.equal(0);
    const oursStored = { users: await stored('contractdesk_users'), contracts: await stored('contractdesk_contracts') };

    await clear();
    const theirs = await observed(() => flush(entities()), true);
    expect(theirs.stockCalls).to.equal(2);
    expect(ours.inserts).to.deep.equal(theirs.inserts);
    expect(oursStored).to.deep.equal({ users: await stored('contractdesk_users'), contracts: await stored('contractdesk_contracts') });

    // The database's version default came back through RETURNING to every entity, and the entities are managed.
    for (const contract of planned.contracts) expect(contract.version).to.equal(1);
    const reloaded = await db.em().findOneOrFail(Contract, planned.contracts[3].id);
    expect(reloaded.amount).to.equal(2n ** 63n - 1n);
  });

  it('a unique violation in a batch or a single insert is the same DomainError, naming no SQL', async () => {
    const taken = uniqueName();
    const single = await observed(() => makeUser(db.em(), PartyRole.Both, taken));
    expect(single.stockCalls).to.equal(0);
    const second = new User({ username: taken, email: `${uniqueName()}@example.com`, role: PartyRole.Client });
    const again = await observed(() => expectDomainError(new TransactionScope(db.em()).write(async (em) => em.persist(second)), 'USER.USERNAME_TAKEN'));
    expect(again.stockCalls).to.equal(0);

    const name = uniqueName();
    const twins = [0, 1].map((i) => new User({ username: name, email: `${name}.${i}@example.com`, role: PartyRole.Both }));
    const batch = await observed(() => expectDomainError(new TransactionScope(db.em()).write(async (em) => em.persist(twins)), 'USER.USERNAME_TAKEN'));
    expect(batch.stockCalls).to.equal(0);
    expect(batch.inserts).to.have.length(1);
    expect(await db.em().count(User, { username: name })).to.equal(0);
  });

  it('calls that need custom-type conversion, and rows of differing shapes, keep MikroORM\'s path', async () => {
    const converted = await observed(() =>
      db.em().insertMany(Contract, [{ title: 'x', client: '00000000-0000-4000-8000-000000000009', amount: 1n } as never]).catch(() => undefined),
    );
    expect(converted.stockCalls).to.equal(1);

    // Rows of differing shapes: MikroORM takes the union of their columns and fills the gaps itself (PostgreSQL
    // writes `default` there); the first row's columns alone would lose the second row's subject.
    const driver = db.orm.em.getDriver();
    const user = (n: string, extra: object) => ({ id: `20000000-0000-4000-8000-0000000000${n}`, username: `shape${n}`, email: `shape${n}@example.com`, role: 'both', createdAt: new Date(0), ...extra });
    const shapes = [user('01', {}), user('02', { authSubject: 'sub|shape' })] as never[];
    const mixed = await observed(() => driver.nativeInsertMany('ContractDeskUser', shapes, { convertCustomTypes: false }));
    expect(mixed.stockCalls).to.equal(1);
    expect((await db.em().findOneOrFail(User, { username: 'shape01' })).authSubject).to.equal(null);
    expect((await db.em().findOneOrFail(User, { username: 'shape02' })).authSubject).to.equal('sub|shape');
    await clear();
  });

  it('a batch with more values than one statement binds keeps MikroORM\'s path (values inlined), inside a transaction too', async () => {
    const client = await makeUser(db.em(), PartyRole.Client);
    const freelancer = await makeUser(db.em(), PartyRole.Freelancer);
    // A contract payload has nine columns: one row more than fits in one statement of bound values.
    const perStatement = Math.floor(MAX_BOUND_PARAMS / 9);
    const rows: EntityDictionary<Contract>[] = [];
    for (let i = 0; i <= perStatement; i++) {
      const at = new Date(Date.UTC(2026, 0, 1) + i);
      rows.push({ id: `30000000-0000-4000-8000-${String(i).padStart(12, '0')}`, title: `bulk ${i}`, client: client.id, freelancer: freelancer.id, amount: String(2n ** 60n + BigInt(i)), status: 'draft', currency: 'XLM', createdAt: at, updatedAt: at } as never);
    }
    const driver = db.orm.em.getDriver();
    const run = await observed(() =>
      db.em().transactional(async (em) => {
        await driver.nativeInsertMany('ContractDeskContract', rows, { convertCustomTypes: false, ctx: em.getTransactionContext() });
      }),
    );
    expect(run.stockCalls).to.equal(1);
    expect(await db.em().count(Contract)).to.equal(rows.length);
    expect((await db.em().findOneOrFail(Contract, rows[perStatement].id as string)).amount).to.equal(2n ** 60n + BigInt(perStatement));
  });
});
