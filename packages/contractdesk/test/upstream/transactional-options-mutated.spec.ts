import { expect } from 'chai';
import { Entity, MikroORM, PrimaryKey, Property, ReflectMetadataProvider, TransactionPropagation } from '@mikro-orm/core';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';

/**
 * Upstream reproduction, in the style of MikroORM's own `GH####.test.ts` (to be filed; MikroORM 6.6.16):
 * `em.transactional(cb, options)` writes the current transaction into the caller's `options` object
 * (`TransactionManager.handle`: `options.ctx ??= em.getTransactionContext()`, also `options.propagation ??=`).
 * Reusing one options object — a module constant such as `{ propagation: REQUIRED }` — therefore makes a call
 * made once inside a transaction leave that transaction behind, and every later call "joins" it after it ended. ContractDesk passes a fresh object per call
 * (src/services/transaction-scope.ts). When this test fails, upstream fixed it and the workaround may go.
 */
@Entity()
class Gh {
  @PrimaryKey({ type: 'number' })
  id!: number;

  @Property({ type: 'string' })
  name!: string;
}

describe('upstream: em.transactional() mutates the options object it is given (MikroORM 6.6.16)', () => {
  let orm: MikroORM<BetterSqliteDriver>;

  before(async () => {
    orm = await MikroORM.init({ driver: BetterSqliteDriver, dbName: ':memory:', entities: [Gh], metadataProvider: ReflectMetadataProvider });
    await orm.schema.createSchema();
  });

  after(() => orm.close(true));

  it('a call nested in a transaction leaves it in the options; a later top-level call then runs in the finished one', async () => {
    const options = { propagation: TransactionPropagation.REQUIRED };
    await orm.em.fork().transactional(async (outer) => {
      await outer.transactional(async (em) => {
        em.create(Gh, { id: 1, name: 'joined' });
      }, options);
    });
    expect(options).to.have.property('ctx').that.is.not.undefined;

    let error: unknown;
    await orm.em
      .fork()
      .transactional(async (em) => {
        em.create(Gh, { id: 2, name: 'later' });
      }, options)
      .catch((e: unknown) => (error = e));
    // What a user expects: a new, independent transaction that commits row 2. What happens: it fails on the
    // finished transaction and row 2 is never written.
    const rows = await orm.em.fork().count(Gh, {});
    expect({ failed: error !== undefined, rows }).to.deep.equal({ failed: true, rows: 1 });
  });
});
