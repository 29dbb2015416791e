import { expect } from 'chai';
import { EntityManager as CoreEntityManager } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { Contract } from '../../src/entities/contract.entity';
import { ContractService } from '../../src/services/contract.service';
import { UserService } from '../../src/services/user.service';
import { describeEachDialect } from '../helpers/orm';
import { expectDomainError } from '../helpers/expect-error';
import { uniqueName } from '../helpers/factories';

/** Counts EntityManager.flush calls while `run` runs (every fork shares the prototype). */
async function countFlushes(run: () => Promise<unknown>): Promise<number> {
  const proto = CoreEntityManager.prototype;
  const descriptor = Object.getOwnPropertyDescriptor(proto, 'flush')!;
  const original = descriptor.value as (this: CoreEntityManager) => Promise<void>;
  let calls = 0;
  Object.defineProperty(proto, 'flush', {
    ...descriptor,
    value(this: CoreEntityManager) {
      calls++;
      return original.call(this);
    },
  });
  try {
    await run();
  } finally {
    Object.defineProperty(proto, 'flush', descriptor);
  }
  return calls;
}

describeEachDialect('a change flushes once', (db) => {
  let contract: Contract;

  beforeEach(async () => {
    const users = new UserService(db.em());
    const c = uniqueName();
    const client = await users.register({ username: c, email: `${c}@example.org`, role: 'client' });
    const f = uniqueName();
    const freelancer = await users.register({ username: f, email: `${f}@example.org`, role: 'freelancer' });
    contract = await new ContractService(db.em()).create({ title: 'Once', clientId: client.id, freelancerId: freelancer.id, amount: '10' });
  });

  it('in its own transaction: the flush before COMMIT only, which still writes the version check', async () => {
    const contracts = new ContractService(db.em());
    let changed: Contract | undefined;
    expect(await countFlushes(async () => (changed = await contracts.transition(contract.id, { to: 'active', expectedVersion: 1 })))).to.equal(1);
    expect(changed!.version).to.equal(2);
    expect((await contracts.view(contract.id)).status).to.equal('active');
    await expectDomainError(contracts.transition(contract.id, { to: 'completed', expectedVersion: 1 }), 'CONTRACT.VERSION_CONFLICT');
  });

  it('creating in its own transaction: one flush, and a missing party is still USER.NOT_FOUND', async () => {
    const contracts = new ContractService(db.em());
    const parties = await contracts.get(contract.id);
    let made: Contract | undefined;
    const input = { title: 'Once more', clientId: parties.client.id, freelancerId: parties.freelancer.id, amount: '5' };
    expect(await countFlushes(async () => (made = await contracts.create(input)))).to.equal(1);
    expect((await contracts.view(made!.id)).version).to.equal(1);
    await expectDomainError(contracts.create({ ...input, clientId: '00000000-0000-4000-8000-000000000000' }), 'USER.NOT_FOUND');
  });

  it("inside a caller's transaction: its own flush, so the version is checked before the caller continues", async () => {
    await db
      .em()
      .fork()
      .transactional(async (em) => {
        const contracts = new ContractService(em as EntityManager);
        const changed = await contracts.transition(contract.id, { to: 'active', expectedVersion: 1 });
        expect(changed.version).to.equal(2);
      });
    expect((await new ContractService(db.em()).view(contract.id)).version).to.equal(2);
  });
});
