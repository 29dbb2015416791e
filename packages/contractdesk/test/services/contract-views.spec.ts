import { expect } from 'chai';
import { Contract } from '../../src/entities/contract.entity';
import type { User } from '../../src/entities/user.entity';
import { ContractService } from '../../src/services/contract.service';
import { UserService } from '../../src/services/user.service';
import { CONTRACT_VIEW_FIELDS, contractView, contractViewBody } from '../../src/views/contract-view';
import { describeEachDialect } from '../helpers/orm';
import { expectDomainError } from '../helpers/expect-error';
import { uniqueName } from '../helpers/factories';

describeEachDialect('ContractService read models (view, listViewsForClient/ForFreelancer)', (db) => {
  const contracts = () => new ContractService(db.em());
  let client: User;
  let freelancer: User;

  beforeEach(async () => {
    const users = new UserService(db.em());
    const name = uniqueName();
    client = await users.register({ username: name, email: `${name}@example.org`, role: 'client' });
    freelancer = await users.register({ username: `${name}f`, email: `${name}f@example.org`, role: 'freelancer' });
  });

  const draft = (amount: unknown = '1000') => contracts().create({ title: 'Landing page', clientId: client.id, freelancerId: freelancer.id, amount });

  it('a view holds what the entity holds, with the same runtime types: int64 exact as bigint, dates as Date', async () => {
    const made = await draft('9223372036854775807');
    await contracts().transition(made.id, { to: 'active', expectedVersion: 1 });
    const entity = await contracts().get(made.id);
    const view = await contracts().view(made.id);
    expect(view).to.deep.equal(contractView(entity));
    expect(view.amount).to.equal(9223372036854775807n);
    expect(view.createdAt).to.be.instanceOf(Date);
    expect(view.updatedAt.getTime()).to.equal(entity.updatedAt.getTime());
    expect(Object.keys(view)).to.deep.equal(Object.keys(CONTRACT_VIEW_FIELDS));
    expect(Object.isFrozen(view)).to.equal(true);
    // The body the HTTP app answers: the same from the read model as from the entity a write returns.
    expect(contractViewBody(view)).to.deep.equal(contractViewBody(contractView(entity)));
    expect(contractViewBody(view)).to.include({ amount: '9223372036854775807', status: 'active', version: 2 });
  });

  it('lists newest first with the entity lists\' order and limit, and nothing lands in an identity map', async () => {
    for (let i = 0; i < 4; i++) {
      const c = await draft(i);
      await db.em().nativeUpdate(Contract, { id: c.id }, { createdAt: new Date(Date.UTC(2024, 5, 1 + i)) });
    }
    const entities = await contracts().listForClient(client.id, { limit: 3 });
    const views = await contracts().listViewsForClient(client.id, { limit: 3 });
    expect(views).to.deep.equal(entities.map(contractView));
    expect(views[0].createdAt.toISOString()).to.equal('2024-06-04T00:00:00.000Z');
    const em = db.em();
    expect(await new ContractService(em).listViewsForFreelancer(freelancer.id, { limit: 10 })).to.have.length(4);
    expect(em.getUnitOfWork().getIdentityMap().values()).to.have.length(0);
  });

  it('the same checks and errors as the entity reads', async () => {
    await expectDomainError(contracts().view('5d2a4c1e-0000-4000-8000-000000000000'), 'CONTRACT.NOT_FOUND');
    await expectDomainError(() => contracts().view('nope'), 'VALIDATION.INVALID_UUID');
    await expectDomainError(() => contracts().listViewsForClient(client.id, { limit: 0 }), 'VALIDATION.OUT_OF_RANGE');
    await expectDomainError(() => contracts().listViewsForFreelancer('nope'), 'VALIDATION.INVALID_UUID');
  });

  it('inside a caller\'s transaction, a view reads there: its own uncommitted change is visible', async () => {
    const c = await draft();
    await db.orm.em.fork().transactional(async (em) => {
      const scoped = new ContractService(em as never);
      await scoped.transition(c.id, { to: 'active', expectedVersion: 1 });
      expect((await scoped.view(c.id)).status).to.equal('active');
      expect((await scoped.listViewsForClient(client.id))[0].version).to.equal(2);
    });
  });
});
