import { expect } from 'chai';
import { CheckConstraintViolationException, OptimisticLockError } from '@mikro-orm/core';
import { Contract } from '../../src/entities/contract.entity';
import { ContractService } from '../../src/services/contract.service';
import { describeEachDialect } from '../helpers/orm';
import { makeContract } from '../helpers/factories';

/**
 * The Unit of Work's single-row update goes through the driver's nativeUpdate without a QueryBuilder per call
 * (src/db/planned-update.ts); everything else keeps MikroORM's own path.
 */
describeEachDialect('planned single-row updates', (db) => {
  /** Counts QueryBuilders the driver creates while `work` runs. */
  async function queryBuildersDuring(work: () => Promise<unknown>): Promise<number> {
    const driver = db.orm.em.getDriver() as unknown as { createQueryBuilder: (...args: unknown[]) => unknown };
    const original = driver.createQueryBuilder;
    let created = 0;
    driver.createQueryBuilder = function (this: unknown, ...args: unknown[]) {
      created++;
      return original.apply(this, args);
    };
    try {
      await work();
    } finally {
      driver.createQueryBuilder = original;
    }
    return created;
  }

  it("a driver error on the planned path surfaces as MikroORM's typed exception, as on MikroORM's own path", async () => {
    const contract = await makeContract(db.em());
    const em = db.em();
    const loaded = await em.findOneOrFail(Contract, contract.id);
    // Past the entity's validation: only the database's CHECK (amount >= 0) refuses it.
    (loaded as { amount: bigint }).amount = -1n;
    const built = await queryBuildersDuring(async () => {
      const error: unknown = await em.flush().catch((e: unknown) => e);
      expect(error).to.be.instanceOf(CheckConstraintViolationException);
    });
    expect(built, 'the planned update ran').to.equal(0);
  });

  it('a versioned change flushes without building a query, and a stale version is still refused', async () => {
    const contract = await makeContract(db.em());
    const service = () => new ContractService(db.em());
    const built = await queryBuildersDuring(() => service().transition(contract.id, { to: 'active', expectedVersion: 1 }));
    expect(built).to.equal(0);
    expect(await service().get(contract.id)).to.deep.include({ status: 'active', version: 2 });

    // Another writer moves the row on between our read and our flush: zero rows match, nothing is overwritten.
    const ours = db.em();
    const stale = await ours.findOneOrFail(Contract, contract.id);
    await service().rename(contract.id, { title: 'changed meanwhile', expectedVersion: 2 });
    stale.rename('ours');
    const refused = await ours.flush().then(() => expect.fail('a stale flush must be refused'), (e: unknown) => e);
    expect(refused).to.be.instanceOf(OptimisticLockError);
    expect(await service().get(contract.id)).to.deep.include({ title: 'changed meanwhile', version: 3 });
  });

  it('calls that still need custom-type conversion (em.nativeUpdate) keep MikroORM\'s QueryBuilder path', async () => {
    const contract = await makeContract(db.em());
    const built = await queryBuildersDuring(() => db.em().nativeUpdate(Contract, { id: contract.id }, { amount: 42n }));
    expect(built).to.be.greaterThan(0);
    expect((await db.em().findOneOrFail(Contract, contract.id)).amount).to.equal(42n);
  });
});
