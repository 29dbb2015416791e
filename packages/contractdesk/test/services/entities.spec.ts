import { expect } from 'chai';
import {
  ForeignKeyConstraintViolationException,
  OptimisticLockError,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { Contract } from '../../src/entities/contract.entity';
import { PushSubscription } from '../../src/entities/push-subscription.entity';
import { Role } from '../../src/entities/role.entity';
import { RoleAssignment } from '../../src/entities/role-assignment.entity';
import { RolePermission } from '../../src/entities/role-permission.entity';
import { User } from '../../src/entities/user.entity';
import { ContractStatus } from '../../src/domain/contract-status';
import { PartyRole } from '../../src/domain/party-role';
import { describeEachDialect } from '../helpers/orm';
import { fcmEndpoint, makeContract, makeUser, pushKeys, uniqueName } from '../helpers/factories';

describeEachDialect('entities round-trip and constraints', (db) => {
  it('User: every field round-trips; createdAt is the same instant', async () => {
    const em = db.em();
    const user = new User({ username: '  Alice.Smith ', email: 'Alice@Example.COM', role: PartyRole.Freelancer });
    user.createdAt = new Date('2024-02-29T23:59:59.123Z');
    await em.persistAndFlush(user);
    const loaded = await db.em().findOneOrFail(User, user.id);
    expect(loaded).to.deep.include({ id: user.id, username: 'alice.smith', email: 'alice@example.com', role: 'freelancer' });
    expect(loaded.createdAt).to.be.instanceOf(Date);
    expect(loaded.createdAt.toISOString()).to.equal('2024-02-29T23:59:59.123Z');
  });

  it('Contract: int64 amounts round-trip exactly (2^53+1 and 2^63-1), status and version too', async () => {
    for (const amount of [0n, 9007199254740993n, 9223372036854775807n]) {
      const contract = await makeContract(db.em(), { amount });
      const loaded = await db.em().findOneOrFail(Contract, contract.id);
      expect(loaded.amount).to.equal(amount);
      expect(typeof loaded.amount).to.equal('bigint');
      expect(loaded.status).to.equal(ContractStatus.Draft);
      expect(loaded.version).to.equal(1);
      expect(loaded.title).to.equal('Logo design');
      expect(loaded.client.id).to.equal(contract.client.id);
      expect(loaded.freelancer.id).to.equal(contract.freelancer.id);
      expect(loaded.createdAt.getTime()).to.equal(contract.createdAt.getTime());
    }
  });

  it('Contract: the database rejects a negative amount even when the entity check is bypassed', async () => {
    const contract = await makeContract(db.em());
    let error: unknown;
    try {
      await db.em().nativeUpdate(Contract, { id: contract.id }, { amount: -1n });
    } catch (e) {
      error = e;
    }
    expect(error, 'CHECK (amount >= 0) must fire').to.be.instanceOf(Error);
    expect((await db.em().findOneOrFail(Contract, contract.id)).amount).to.equal(1_000_000n);
  });

  it('Contract: the database rejects a status outside the enum', async () => {
    const contract = await makeContract(db.em());
    let error: unknown;
    try {
      await db.em().nativeUpdate(Contract, { id: contract.id }, { status: 'archived' as ContractStatus });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(Error);
    expect((await db.em().findOneOrFail(Contract, contract.id)).status).to.equal('draft');
  });

  it('Contract: version increments on every flushed change', async () => {
    const contract = await makeContract(db.em());
    const em = db.em();
    const loaded = await em.findOneOrFail(Contract, contract.id);
    loaded.rename('Second title');
    await em.flush();
    expect(loaded.version).to.equal(2);
    loaded.transitionTo(ContractStatus.Active);
    await em.flush();
    expect(loaded.version).to.equal(3);
    const fresh = await db.em().findOneOrFail(Contract, contract.id);
    expect(fresh).to.deep.include({ version: 3, status: 'active', title: 'Second title' });
  });

  it('loading and flushing without changes writes nothing (no version bump, no timestamp rewrite)', async () => {
    const contract = await makeContract(db.em());
    const em = db.em();
    const loaded = await em.findOneOrFail(Contract, contract.id);
    await em.findOneOrFail(User, contract.client.id);
    const uow = em.getUnitOfWork();
    uow.computeChangeSets();
    expect(uow.getChangeSets().map((cs) => cs.payload)).to.deep.equal([]);
    await em.flush();
    const fresh = await db.em().findOneOrFail(Contract, contract.id);
    expect(fresh.version).to.equal(1);
    expect(fresh.updatedAt.getTime()).to.equal(loaded.updatedAt.getTime());
  });

  it('Contract: a stale flush fails with OptimisticLockError and the other write survives', async () => {
    const contract = await makeContract(db.em());
    const emA = db.em();
    const emB = db.em();
    const a = await emA.findOneOrFail(Contract, contract.id);
    const b = await emB.findOneOrFail(Contract, contract.id);
    b.rename('B wins');
    await emB.flush();
    a.rename('A loses');
    let error: unknown;
    try {
      await emA.flush();
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(OptimisticLockError);
    const fresh = await db.em().findOneOrFail(Contract, contract.id);
    expect(fresh).to.deep.include({ title: 'B wins', version: 2 });
  });

  it('User: username and email are unique in the database', async () => {
    const name = uniqueName();
    await makeUser(db.em(), PartyRole.Client, name);
    const dupName = new User({ username: name, email: `other-${name}@example.com`, role: 'client' });
    await expectRejects(() => db.em().persistAndFlush(dupName), UniqueConstraintViolationException);
    const dupEmail = new User({ username: `${name}x`, email: `${name}@example.com`, role: 'client' });
    await expectRejects(() => db.em().persistAndFlush(dupEmail), UniqueConstraintViolationException);
    expect(await db.em().count(User)).to.equal(1);
  });

  it('Contract: foreign keys reject unknown users and block deleting a party', async () => {
    const contract = await makeContract(db.em());
    await expectRejects(
      () => db.em().nativeUpdate(Contract, { id: contract.id }, { client: '00000000-0000-4000-8000-000000000000' }),
      ForeignKeyConstraintViolationException,
    );
    await expectRejects(() => db.em().nativeDelete(User, { id: contract.client.id }), ForeignKeyConstraintViolationException);
    expect(await db.em().count(User)).to.equal(2);
  });

  it('Role, RolePermission, RoleAssignment round-trip; deleting a role cascades in the database', async () => {
    const em = db.em();
    const role = new Role({ name: 'Support agent', description: 'Handles\ndisputes', priority: 5 });
    const other = new Role({ name: 'Auditor' });
    const user = await makeUser(em);
    em.persist([role, other, new RolePermission(role, 'contracts.read'), new RolePermission(role, 'contracts:*')]);
    em.persist([new RolePermission(other, 'contracts.read'), new RoleAssignment(user, role), new RoleAssignment(user, other)]);
    await em.flush();

    const loaded = await db.em().findOneOrFail(Role, role.id);
    expect(loaded).to.deep.include({ name: 'Support agent', description: 'Handles\ndisputes', priority: 5 });
    expect(loaded.createdAt.getTime()).to.equal(role.createdAt.getTime());
    const perms = await db.em().find(RolePermission, { role: role.id }, { orderBy: { permission: 'asc' } });
    expect(perms.map((p) => p.permission)).to.deep.equal(['contracts.read', 'contracts:*']);

    // Delete with a plain SQL delete so only the database's ON DELETE CASCADE can remove the children.
    await db.em().getConnection().execute(`delete from contractdesk_roles where id = '${role.id}'`);
    expect(await db.em().count(RolePermission, { role: role.id })).to.equal(0);
    expect(await db.em().count(RoleAssignment, { role: role.id })).to.equal(0);
    expect(await db.em().count(RolePermission, { role: other.id }), 'other roles keep their grants').to.equal(1);
    expect(await db.em().count(RoleAssignment, { role: other.id })).to.equal(1);
    expect(await db.em().count(User, { id: user.id })).to.equal(1);
  });

  it('RolePermission: the composite key refuses a duplicate grant', async () => {
    const em = db.em();
    const role = new Role({ name: 'Ops' });
    em.persist([role, new RolePermission(role, 'users.read')]);
    await em.flush();
    const em2 = db.em();
    const again = new RolePermission(em2.getReference(Role, role.id), 'users.read');
    await expectRejects(() => em2.persistAndFlush(again), UniqueConstraintViolationException);
  });

  it('PushSubscription: round-trips; endpoint unique; cascades with its user', async () => {
    const user = await makeUser(db.em());
    const em = db.em();
    const sub = em.create(PushSubscription, { endpoint: fcmEndpoint('abc'), ...pushKeys('k'), user: user.id });
    await em.flush();
    const loaded = await db.em().findOneOrFail(PushSubscription, sub.id);
    expect(loaded).to.deep.include({ endpoint: fcmEndpoint('abc'), p256dh: sub.p256dh, auth: sub.auth });
    expect(loaded.user.id).to.equal(user.id);
    expect(loaded.updatedAt.getTime()).to.equal(sub.updatedAt.getTime());

    const em2 = db.em();
    em2.create(PushSubscription, { endpoint: fcmEndpoint('abc'), ...pushKeys('z'), user: user.id });
    await expectRejects(() => em2.flush(), UniqueConstraintViolationException);

    await db.em().nativeDelete(User, { id: user.id });
    expect(await db.em().count(PushSubscription)).to.equal(0);
  });
});

async function expectRejects(fn: () => Promise<unknown>, type: new (...args: any[]) => Error): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    expect(error).to.be.instanceOf(type);
    return error as Error;
  }
  expect.fail(`expected ${type.name}`);
}
