import { expect } from 'chai';
import { ContractService } from '../../src/services/contract.service';
import { UserService } from '../../src/services/user.service';
import { ForbiddenError } from '../../src/errors/domain-error';
import { Contract } from '../../src/entities/contract.entity';
import type { User } from '../../src/entities/user.entity';
import { CONTRACT_STATUSES, ContractStatus, canTransition } from '../../src/domain/contract-status';
import { describeEachDialect } from '../helpers/orm';
import { expectDomainError } from '../helpers/expect-error';
import { uniqueName } from '../helpers/factories';

describeEachDialect('ContractService', (db) => {
  const contracts = () => new ContractService(db.em());
  const register = (role: string) => {
    const name = uniqueName();
    return new UserService(db.em()).register({ username: name, email: `${name}@example.org`, role });
  };
  let client: User;
  let freelancer: User;

  beforeEach(async () => {
    client = await register('client');
    freelancer = await register('freelancer');
  });

  const draft = (amount: unknown = '1000') =>
    contracts().create({ title: 'Landing page', clientId: client.id, freelancerId: freelancer.id, amount });

  /** Puts a fresh contract into `status` through legal transitions. */
  async function contractIn(status: ContractStatus): Promise<Contract> {
    const path: Record<ContractStatus, ContractStatus[]> = {
      draft: [],
      active: [ContractStatus.Active],
      completed: [ContractStatus.Active, ContractStatus.Completed],
      disputed: [ContractStatus.Active, ContractStatus.Disputed],
      cancelled: [ContractStatus.Cancelled],
    };
    let c = await draft();
    for (const to of path[status]) c = await contracts().transition(c.id, { to, expectedVersion: c.version });
    return c;
  }

  it('creates a draft at version 1 with an exact int64 amount', async () => {
    const c = await draft('9223372036854775807');
    expect(c).to.deep.include({ status: 'draft', version: 1, amount: 9223372036854775807n, title: 'Landing page' });
    const loaded = await contracts().get(c.id);
    expect(loaded.amount).to.equal(9223372036854775807n);
    expect(loaded.client.id).to.equal(client.id);
  });

  it('enforces party rules: client role, freelancer role, two different users, both existing', async () => {
    const both = await register('both');
    await expectDomainError(
      contracts().create({ title: 't', clientId: freelancer.id, freelancerId: both.id, amount: 1 }),
      'CONTRACT.CLIENT_ROLE',
    );
    await expectDomainError(contracts().create({ title: 't', clientId: both.id, freelancerId: client.id, amount: 1 }), 'CONTRACT.FREELANCER_ROLE');
    await expectDomainError(contracts().create({ title: 't', clientId: both.id, freelancerId: both.id, amount: 1 }), 'CONTRACT.SAME_PARTY');
    await expectDomainError(
      contracts().create({ title: 't', clientId: client.id, freelancerId: '11111111-1111-4111-8111-111111111111', amount: 1 }),
      'USER.NOT_FOUND',
    );
    const ok = await contracts().create({ title: 't', clientId: both.id, freelancerId: freelancer.id, amount: 1 });
    expect(ok.status).to.equal('draft');
    expect(await db.em().count(Contract)).to.equal(1);
  });

  it('lists a client’s and a freelancer’s contracts newest first, honouring the limit', async () => {
    const made: Contract[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await draft(i);
      await db.em().nativeUpdate(Contract, { id: c.id }, { createdAt: new Date(Date.UTC(2024, 5, 1 + i)) });
      made.push(c);
    }
    const other = await register('client');
    await contracts().create({ title: 'Other', clientId: other.id, freelancerId: freelancer.id, amount: 1 });
    const mine = await contracts().listForClient(client.id, { limit: 3 });
    expect(mine.map((c) => c.id)).to.deep.equal([made[3].id, made[2].id, made[1].id]);
    const theirs = await contracts().listForFreelancer(freelancer.id, { limit: 10 });
    expect(theirs).to.have.length(5);
    expect(theirs[0].title).to.equal('Other');
    await expectDomainError(() => contracts().listForClient(client.id, { limit: 0 }), 'VALIDATION.OUT_OF_RANGE');
  });

  describe('the state machine: all 5 × 5 status pairs', () => {
    for (const from of CONTRACT_STATUSES) {
      for (const to of CONTRACT_STATUSES) {
        const allowed = canTransition(from, to);
        it(`${from} → ${to}: ${allowed ? 'allowed' : 'refused'}`, async () => {
          const c = await contractIn(from);
          if (allowed) {
            const moved = await contracts().transition(c.id, { to, expectedVersion: c.version });
            expect(moved).to.deep.include({ status: to, version: c.version + 1 });
          } else {
            await expectDomainError(contracts().transition(c.id, { to, expectedVersion: c.version }), 'CONTRACT.ILLEGAL_TRANSITION');
          }
          const stored = await contracts().get(c.id);
          expect(stored).to.deep.include(allowed ? { status: to, version: c.version + 1 } : { status: from, version: c.version });
        });
      }
    }
  });

  it('a stale expectedVersion is CONTRACT.VERSION_CONFLICT and changes nothing', async () => {
    const c = await draft();
    const renamed = await contracts().rename(c.id, { title: 'New', expectedVersion: 1 });
    expect(renamed.version).to.equal(2);
    const err = await expectDomainError(contracts().transition(c.id, { to: 'active', expectedVersion: 1 }), 'CONTRACT.VERSION_CONFLICT');
    expect(err.kind).to.equal('conflict');
    expect(await contracts().get(c.id)).to.deep.include({ status: 'draft', version: 2, title: 'New' });
  });

  it('the amount changes only while draft', async () => {
    const c = await draft('10');
    const revised = await contracts().reviseAmount(c.id, { amount: 9007199254740993n, expectedVersion: 1 });
    expect(revised.amount).to.equal(9007199254740993n);
    const active = await contracts().transition(c.id, { to: 'active', expectedVersion: 2 });
    await expectDomainError(contracts().reviseAmount(c.id, { amount: '11', expectedVersion: active.version }), 'CONTRACT.AMOUNT_LOCKED');
    expect((await contracts().get(c.id)).amount).to.equal(9007199254740993n);
  });

  it('unknown contract → CONTRACT.NOT_FOUND; bad version → validation error', async () => {
    await expectDomainError(contracts().get('5d2a4c1e-0000-4000-8000-000000000000'), 'CONTRACT.NOT_FOUND');
    await expectDomainError(
      contracts().transition('5d2a4c1e-0000-4000-8000-000000000000', { to: 'active', expectedVersion: 1 }),
      'CONTRACT.NOT_FOUND',
    );
    const c = await draft();
    await expectDomainError(() => contracts().transition(c.id, { to: 'active', expectedVersion: '1' }), 'VALIDATION.NOT_AN_INTEGER');
    await expectDomainError(() => contracts().transition(c.id, { to: 'archived', expectedVersion: 1 }), 'VALIDATION.INVALID_VALUE');
  });

  it('reviseAmounts changes several contracts in one flush, all or nothing', async () => {
    const a = await draft('1');
    const b = await draft('2');
    const [a2, b2] = await contracts().reviseAmounts([
      { id: a.id, expectedVersion: 1, amount: '10' },
      { id: b.id, expectedVersion: 1, amount: '20' },
    ]);
    expect([a2.version, b2.version]).to.deep.equal([2, 2]);
    // b is now at version 2: a batch naming version 1 for b must fail and leave a untouched too.
    await expectDomainError(
      contracts().reviseAmounts([
        { id: a.id, expectedVersion: 2, amount: '100' },
        { id: b.id, expectedVersion: 1, amount: '200' },
      ]),
      'CONTRACT.VERSION_CONFLICT',
    );
    expect(await contracts().get(a.id)).to.deep.include({ amount: 10n, version: 2 });
    expect(await contracts().get(b.id)).to.deep.include({ amount: 20n, version: 2 });
  });
  describe('a guard (e.g. "the caller must be a party") runs in the write transaction, on the contract loaded there', () => {
    const refuse = () => {
      throw new ForbiddenError('AUTH.FORBIDDEN', 'not a party');
    };

    it('a single change: the guard sees the row the version is checked against; refusing writes nothing, even with a stale version', async () => {
      const c = await draft('5');
      const seen: Array<{ id: string; version: number }> = [];
      const renamed = await contracts().rename(c.id, { title: 'Renamed', expectedVersion: 1 }, { guard: (x) => void seen.push({ id: x.id, version: x.version }) });
      expect(seen).to.deep.equal([{ id: c.id, version: 1 }]);
      expect(renamed.version).to.equal(2);
      // Refused before the version is compared: the caller learns it may not act, not which version is current.
      await expectDomainError(contracts().transition(c.id, { to: 'active', expectedVersion: 1 }, { guard: refuse }), 'AUTH.FORBIDDEN');
      await expectDomainError(contracts().reviseAmount(c.id, { amount: '9', expectedVersion: 2 }, { guard: async () => refuse() }), 'AUTH.FORBIDDEN');
      expect(await contracts().get(c.id)).to.deep.include({ status: 'draft', amount: 5n, version: 2, title: 'Renamed' });
    });

    it('a batch: every contract is guarded before any version is compared, and one refusal writes none of them', async () => {
      const a = await draft('1');
      const b = await draft('2');
      const guarded: string[] = [];
      await expectDomainError(
        contracts().reviseAmounts(
          [
            { id: a.id, expectedVersion: 7, amount: '10' },
            { id: b.id, expectedVersion: 1, amount: '20' },
          ],
          { guard: (x) => (guarded.push(x.id), x.id === b.id ? refuse() : undefined) },
        ),
        'AUTH.FORBIDDEN',
      );
      expect(guarded).to.deep.equal([a.id, b.id]);
      expect(await contracts().get(a.id)).to.deep.include({ amount: 1n, version: 1 });
      expect(await contracts().get(b.id)).to.deep.include({ amount: 2n, version: 1 });
    });
  });
});
