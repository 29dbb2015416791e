import { expect } from 'chai';
import { PushSubscriptionService } from '../../src/services/push-subscription.service';
import { UserService } from '../../src/services/user.service';
import { PushSubscription } from '../../src/entities/push-subscription.entity';
import { describeEachDialect } from '../helpers/orm';
import { expectDomainError } from '../helpers/expect-error';
import { fcmEndpoint, pushKeys, uniqueName } from '../helpers/factories';

describeEachDialect('PushSubscriptionService', (db) => {
  const push = () => new PushSubscriptionService(db.em());
  const newUser = () => {
    const name = uniqueName();
    return new UserService(db.em()).register({ username: name, email: `${name}@example.org`, role: 'both' });
  };

  it('subscribes, then refreshes its own keys in place (same row, same owner)', async () => {
    const user = await newUser();
    const endpoint = fcmEndpoint('tok1');
    const first = await push().subscribe(user.id, { endpoint, keys: pushKeys('a') });
    expect(first).to.deep.include({ endpoint, user: first.user });
    expect(first.user.id).to.equal(user.id);
    const keys = pushKeys('b');
    const again = await push().subscribe(user.id, { endpoint, keys });
    expect(again.id).to.equal(first.id);
    expect(again).to.deep.include({ p256dh: keys.p256dh, auth: keys.auth });
    const rows = await db.em().find(PushSubscription, {});
    expect(rows).to.have.length(1);
    expect(rows[0]).to.deep.include({ p256dh: keys.p256dh, auth: keys.auth });
  });

  it('another account cannot take over an endpoint: PUSH.ENDPOINT_CLAIMED, owner row untouched', async () => {
    const owner = await newUser();
    const attacker = await newUser();
    const endpoint = fcmEndpoint('victim');
    const ownerKeys = pushKeys('owner');
    await push().subscribe(owner.id, { endpoint, keys: ownerKeys });
    await expectDomainError(push().subscribe(attacker.id, { endpoint, keys: pushKeys('evil') }), 'PUSH.ENDPOINT_CLAIMED');
    // A different spelling of the same URL (host case) is the same endpoint.
    await expectDomainError(
      push().subscribe(attacker.id, { endpoint: endpoint.replace('fcm.googleapis.com', 'FCM.GoogleAPIs.com'), keys: pushKeys('evil') }),
      'PUSH.ENDPOINT_CLAIMED',
    );
    const rows = await db.em().find(PushSubscription, {});
    expect(rows).to.have.length(1);
    expect(rows[0].user.id).to.equal(owner.id);
    expect(rows[0]).to.deep.include({ p256dh: ownerKeys.p256dh, auth: ownerKeys.auth });
  });

  it('unsubscribe removes only the caller’s own endpoint', async () => {
    const owner = await newUser();
    const other = await newUser();
    const endpoint = fcmEndpoint('mine');
    await push().subscribe(owner.id, { endpoint, keys: pushKeys() });
    await expectDomainError(push().unsubscribe(other.id, endpoint), 'PUSH.NOT_FOUND');
    expect(await db.em().count(PushSubscription)).to.equal(1);
    await push().unsubscribe(owner.id, endpoint);
    expect(await db.em().count(PushSubscription)).to.equal(0);
    await expectDomainError(push().unsubscribe(owner.id, endpoint), 'PUSH.NOT_FOUND');
  });

  it('lists a user’s subscriptions only', async () => {
    const a = await newUser();
    const b = await newUser();
    await push().subscribe(a.id, { endpoint: fcmEndpoint('a1'), keys: pushKeys() });
    await push().subscribe(a.id, { endpoint: 'https://updates.push.services.mozilla.com/wpush/v2/a2', keys: pushKeys() });
    await push().subscribe(b.id, { endpoint: fcmEndpoint('b1'), keys: pushKeys() });
    expect((await push().listForUser(a.id)).map((s) => s.endpoint).sort()).to.deep.equal([
      fcmEndpoint('a1'),
      'https://updates.push.services.mozilla.com/wpush/v2/a2',
    ]);
    expect(await push().listForUser(b.id)).to.have.length(1);
  });

  it('an unknown user cannot subscribe (USER.NOT_FOUND), nothing written', async () => {
    await expectDomainError(
      push().subscribe('3c3c3c3c-0000-4000-8000-000000000000', { endpoint: fcmEndpoint('x'), keys: pushKeys() }),
      'USER.NOT_FOUND',
    );
    expect(await db.em().count(PushSubscription)).to.equal(0);
  });
});
