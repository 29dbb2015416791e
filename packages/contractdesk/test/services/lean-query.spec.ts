import { expect } from 'chai';
import { wrap } from '@mikro-orm/core';
import { Contract } from '../../src/entities/contract.entity';
import type { User } from '../../src/entities/user.entity';
import { ContractService } from '../../src/services/contract.service';
import { UserService } from '../../src/services/user.service';
import { LeanQuery } from '../../src/db/lean-query';
import { describeEachDialect } from '../helpers/orm';
import { uniqueName } from '../helpers/factories';

const BY_ID = new LeanQuery(Contract, (col) => `${col('id')} = ?`);

/** Every persisted property as find() hydrates it, with its runtime type, so two entities compare exactly. */
function shape(c: Contract) {
  return {
    id: c.id,
    title: c.title,
    client: c.client.id,
    freelancer: c.freelancer.id,
    amount: c.amount,
    amountType: typeof c.amount,
    status: c.status,
    currency: c.currency,
    version: c.version,
    createdAt: c.createdAt,
    createdAtIsDate: c.createdAt instanceof Date,
    updatedAt: c.updatedAt,
    updatedAtIsDate: c.updatedAt instanceof Date,
    json: JSON.stringify(wrap(c).toObject()),
  };
}

describeEachDialect('LeanQuery', (db) => {
  let client: User;
  let contract: Contract;

  beforeEach(async () => {
    const users = new UserService(db.em());
    const name = uniqueName();
    client = await users.register({ username: name, email: `${name}@example.org`, role: 'client' });
    const f = uniqueName();
    const freelancer = await users.register({ username: f, email: `${f}@example.org`, role: 'freelancer' });
    contract = await new ContractService(db.em()).create({
      title: 'Lean', clientId: client.id, freelancerId: freelancer.id, amount: '9223372036854775807',
    });
  });

  it('rows hydrate exactly what find() does, property by property and type by type', async () => {
    const viaFind = await db.em().fork().findOneOrFail(Contract, { id: contract.id });
    const managed = await BY_ID.findOne(db.em().fork(), [contract.id]);
    expect(shape(managed!)).to.deep.equal(shape(viaFind));
    expect(managed!.amount).to.equal(9223372036854775807n);
  });

  it('rows join the fork and are change-tracked', async () => {
    const em = db.em().fork();
    const managed = (await BY_ID.findOne(em, [contract.id]))!;
    expect(em.getUnitOfWork().getById(Contract.name, contract.id)).to.equal(managed);
    managed.rename('Tracked');
    await em.flush();
    expect((await db.em().fork().findOneOrFail(Contract, { id: contract.id })).version).to.equal(2);
  });

  it("a row's relations are references managed by the operation's fork, so they still load", async () => {
    const em = db.em().fork();
    const managed = (await BY_ID.findOne(em, [contract.id]))!;
    expect(wrap(managed.client).isInitialized()).to.equal(false);
    const loaded = await managed.client.load();
    expect(loaded?.username).to.equal(client.username);
  });

  it('ContractService.get and lists return rows that a later change cannot be confused by', async () => {
    const service = new ContractService(db.em());
    const before = await service.get(contract.id);
    const listed = await service.listForClient(client.id);
    expect(listed.map((c) => c.id)).to.deep.equal([contract.id]);
    const changed = await service.rename(contract.id, { title: 'Renamed', expectedVersion: before.version });
    expect(changed.version).to.equal(2);
    // Earlier results are snapshots of what was read; the next read sees the commit.
    expect(before.title).to.equal('Lean');
    expect((await service.get(contract.id)).title).to.equal('Renamed');
  });
});
