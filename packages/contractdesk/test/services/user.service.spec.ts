import { expect } from 'chai';
import { UserService } from '../../src/services/user.service';
import { ContractService } from '../../src/services/contract.service';
import { User } from '../../src/entities/user.entity';
import { describeEachDialect } from '../helpers/orm';
import { expectDomainError } from '../helpers/expect-error';

describeEachDialect('UserService', (db) => {
  const users = () => new UserService(db.em());

  it('registers a user with normalised username and email', async () => {
    const user = await users().register({ username: ' Ada ', email: ' ADA@Example.org ', role: 'client' });
    expect(user).to.deep.include({ username: 'ada', email: 'ada@example.org', role: 'client' });
    const loaded = await users().get(user.id);
    expect(loaded.id).to.equal(user.id);
    expect(loaded.createdAt.getTime()).to.equal(user.createdAt.getTime());
  });

  it("resolves a token's subject to its user: the entity (findBySubject) and the read model (identifySubject)", async () => {
    const user = await users().register({ username: 'sub', email: 'sub@example.org', role: 'client' }, 'idp|Sub-1');
    expect((await users().findBySubject('idp|Sub-1'))?.id).to.equal(user.id);
    const identity = await users().identifySubject('idp|Sub-1');
    expect(identity).to.deep.equal({ id: user.id });
    expect(Object.isFrozen(identity)).to.equal(true);
    // Compared exactly, as the subject was bound.
    expect(await users().identifySubject('idp|sub-1')).to.equal(null);
    await users().delete(user.id);
    expect(await users().identifySubject('idp|Sub-1')).to.equal(null);
    expect(await users().findBySubject('idp|Sub-1')).to.equal(null);
    await expectDomainError(() => users().identifySubject(''), 'VALIDATION.REQUIRED');
  });

  it('refuses a taken username or email (case-insensitively) with typed conflicts, writing nothing', async () => {
    await users().register({ username: 'ada', email: 'ada@example.org', role: 'client' });
    await expectDomainError(users().register({ username: 'ADA', email: 'other@example.org', role: 'client' }), 'USER.USERNAME_TAKEN');
    await expectDomainError(users().register({ username: 'other', email: 'Ada@Example.org', role: 'both' }), 'USER.EMAIL_TAKEN');
    expect(await db.em().count(User)).to.equal(1);
  });

  it('exactly one of many concurrent registrations of one username wins', async () => {
    const attempts = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => users().register({ username: 'race', email: `race${i}@example.org`, role: 'freelancer' })),
    );
    const won = attempts.filter((a) => a.status === 'fulfilled');
    const lost = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
    expect(won).to.have.length(1);
    expect(lost.map((l) => l.reason.code)).to.deep.equal(Array(7).fill('USER.USERNAME_TAKEN'));
    expect(await db.em().count(User, { username: 'race' })).to.equal(1);
  });

  it('lists newest first with a limit', async () => {
    const created: User[] = [];
    for (let i = 0; i < 5; i++) {
      const u = await users().register({ username: `u${i}x`, email: `u${i}@example.org`, role: 'both' });
      await db.em().nativeUpdate(User, { id: u.id }, { createdAt: new Date(Date.UTC(2024, 0, 1 + i)) });
      created.push(u);
    }
    const page = await users().list({ limit: 3 });
    expect(page.map((u) => u.username)).to.deep.equal(['u4x', 'u3x', 'u2x']);
    const next = await users().list({ limit: 3, offset: 3 });
    expect(next.map((u) => u.username)).to.deep.equal(['u1x', 'u0x']);
  });

  it('get: unknown id → USER.NOT_FOUND; malformed id → VALIDATION.INVALID_UUID', async () => {
    await expectDomainError(users().get('7b7c1b1e-8f0e-4f4e-9a51-2a7d0c3c9f00'), 'USER.NOT_FOUND');
    await expectDomainError(() => users().get('42'), 'VALIDATION.INVALID_UUID');
  });

  it('delete: refused while party to a contract, allowed afterwards for a user without contracts', async () => {
    const client = await users().register({ username: 'cli', email: 'cli@example.org', role: 'client' });
    const freelancer = await users().register({ username: 'fre', email: 'fre@example.org', role: 'freelancer' });
    const loner = await users().register({ username: 'lon', email: 'lon@example.org', role: 'both' });
    await new ContractService(db.em()).create({ title: 'Site', clientId: client.id, freelancerId: freelancer.id, amount: '5' });
    await expectDomainError(users().delete(client.id), 'USER.HAS_CONTRACTS');
    await expectDomainError(users().delete(freelancer.id), 'USER.HAS_CONTRACTS');
    await users().delete(loner.id);
    await expectDomainError(users().delete(loner.id), 'USER.NOT_FOUND');
    expect(await db.em().count(User)).to.equal(2);
  });

  it('delete racing a contract creation never leaves a contract without its party', async () => {
    for (let round = 0; round < 5; round++) {
      const client = await users().register({ username: `rc${round}`, email: `rc${round}@example.org`, role: 'client' });
      const freelancer = await users().register({ username: `rf${round}`, email: `rf${round}@example.org`, role: 'freelancer' });
      const [del, create] = await Promise.allSettled([
        users().delete(client.id),
        new ContractService(db.em()).create({ title: 'Race', clientId: client.id, freelancerId: freelancer.id, amount: 1 }),
      ]);
      const userLeft = await db.em().count(User, { id: client.id });
      if (create.status === 'fulfilled') {
        expect(del.status, 'delete must fail once a contract exists').to.equal('rejected');
        expect(userLeft).to.equal(1);
      } else {
        expect(del.status).to.equal('fulfilled');
        expect(userLeft).to.equal(0);
        expect((create.reason as { code: string }).code).to.equal('USER.NOT_FOUND');
      }
    }
  });
});

describeEachDialect('list options', (db) => {
  it('a non-object options argument is a validation error, not a TypeError', async () => {
    await expectDomainError(new UserService(db.em()).list(null as never), 'VALIDATION.TYPE');
    await expectDomainError(
      new ContractService(db.em()).listForClient('7b7c1b1e-8f0e-4f4e-9a51-2a7d0c3c9f00', null as never),
      'VALIDATION.TYPE',
    );
  });
});
