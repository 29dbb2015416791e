import { expect } from 'chai';
import { ConflictError } from '../../src/errors/domain-error';
import { AccessService } from '../../src/services/access.service';
import { ContractService } from '../../src/services/contract.service';
import { UserService } from '../../src/services/user.service';
import { describeEachDialect } from '../helpers/orm';
import { expectFailure } from './support';

/**
 * Accepted input is normalised before it reaches either database, so both compare the same strings:
 * PostgreSQL's uuid type ignores case, SQLite compares text byte for byte.
 */
describeEachDialect('accepted input is normalised the same way on both backends', (db) => {
  const users = () => new UserService(db.em());

  it('an upper-case id finds the row (SQLite stores ids as text)', async () => {
    const client = await users().register({ username: 'norm.client', email: 'norm.client@example.com', role: 'client' });
    const freelancer = await users().register({ username: 'norm.free', email: 'norm.free@example.com', role: 'freelancer' });
    expect((await users().get(client.id.toUpperCase())).id).to.equal(client.id);
    const contract = await new ContractService(db.em()).create({
      title: '  Padded title  ',
      clientId: client.id.toUpperCase(),
      freelancerId: freelancer.id.toUpperCase(),
      amount: '42',
    });
    expect(contract.title).to.equal('Padded title');
    const listed = await new ContractService(db.em()).listForClient(client.id.toUpperCase());
    expect(listed.map((c) => [c.id, c.client.id, c.amount])).to.deep.equal([[contract.id, client.id, 42n]]);
    const role = await new AccessService(db.em()).createRole({ name: 'Norm role' });
    await new AccessService(db.em()).assignRole(client.id.toUpperCase(), role.id.toUpperCase());
    expect((await new AccessService(db.em()).rolesOf(client.id)).map((r) => r.id)).to.deep.equal([role.id]);
  });

  it('usernames and emails are unique after trimming and lower-casing', async () => {
    await users().register({ username: 'Case.User', email: 'Case.User@Example.com', role: 'both' });
    await expectFailure(() => users().register({ username: ' CASE.USER ', email: 'other@example.com', role: 'both' }), {
      type: ConflictError,
      code: 'USER.USERNAME_TAKEN',
    });
    await expectFailure(() => users().register({ username: 'another', email: 'CASE.USER@EXAMPLE.COM', role: 'both' }), {
      type: ConflictError,
      code: 'USER.EMAIL_TAKEN',
    });
    const all = await users().list();
    expect(all.map((u) => [u.username, u.email])).to.deep.equal([['case.user', 'case.user@example.com']]);
  });
});
