import { expect } from 'chai';
import { ConfigError, ConflictError, ValidationError } from '../../src/errors/domain-error';
import { DEFAULT_PUSH_POLICY, checkPushEndpoint, pushPolicyFromEnv } from '../../src/domain/push-endpoint';
import { PushSubscription } from '../../src/entities/push-subscription.entity';
import { PushSubscriptionService } from '../../src/services/push-subscription.service';
import { UserService } from '../../src/services/user.service';
import { describeEachDialect } from '../helpers/orm';
import { pushKeys, uniqueName } from '../helpers/factories';
import { REAL_ENDPOINTS, expectFailure } from './support';


describeEachDialect('accepted push endpoints', (db) => {
  const service = (policy = DEFAULT_PUSH_POLICY) => new PushSubscriptionService(db.em(), policy);
  const newUser = async () => {
    const name = uniqueName('push');
    return new UserService(db.em()).register({ username: name, email: `${name}@example.org`, role: 'both' });
  };

  for (const [label, endpoint] of REAL_ENDPOINTS) {
    it(`${label}: stored verbatim, read back, and still valid when re-checked at send time`, async () => {
      const user = await newUser();
      const keys = pushKeys(label);
      const created = await service().subscribe(user.id, { endpoint, keys });
      expect(created.endpoint).to.equal(endpoint);
      const listed = await service().listForUser(user.id);
      expect(listed.map((s) => [s.endpoint, s.p256dh, s.auth])).to.deep.equal([[endpoint, keys.p256dh, keys.auth]]);
      // The sender's check is the same pure function; canonical form is a fixed point.
      expect(checkPushEndpoint(listed[0].endpoint)).to.equal(endpoint);
    });
  }

  it('explicit :443, upper-case scheme and host are normalised to one canonical endpoint', async () => {
    const user = await newUser();
    const canonical = 'https://fcm.googleapis.com/fcm/send/Tok-En_1';
    const spellings = [
      'HTTPS://FCM.GoogleAPIs.com/fcm/send/Tok-En_1',
      'https://fcm.googleapis.com:443/fcm/send/Tok-En_1',
      ` ${canonical} `,
      canonical,
    ];
    const ids = new Set<string>();
    for (const endpoint of spellings) {
      const sub = await service().subscribe(user.id, { endpoint, keys: pushKeys() });
      expect(sub.endpoint).to.equal(canonical);
      ids.add(sub.id);
    }
    expect(ids.size).to.equal(1);
    expect(await db.em().count(PushSubscription, {})).to.equal(1);
    // The token in the path is case-sensitive: a different path case is a different endpoint.
    await service().subscribe(user.id, { endpoint: canonical.replace('Tok', 'tok'), keys: pushKeys() });
    expect(await db.em().count(PushSubscription, {})).to.equal(2);
  });

  it('another account using a different spelling of an owned endpoint is refused; the owner row is untouched', async () => {
    const owner = await newUser();
    const attacker = await newUser();
    const ownerKeys = pushKeys('owner');
    const owned = await service().subscribe(owner.id, { endpoint: 'https://web.push.apple.com/OwnedToken', keys: ownerKeys });
    for (const endpoint of ['https://WEB.PUSH.APPLE.COM/OwnedToken', 'https://web.push.apple.com:443/OwnedToken']) {
      await expectFailure(() => service().subscribe(attacker.id, { endpoint, keys: pushKeys('evil') }), {
        type: ConflictError,
        code: 'PUSH.ENDPOINT_CLAIMED',
      });
    }
    const rows = await db.em().find(PushSubscription, {});
    expect(rows).to.have.length(1);
    expect(rows[0]).to.deep.include({ id: owned.id, p256dh: ownerKeys.p256dh, auth: ownerKeys.auth });
    expect(rows[0].user.id).to.equal(owner.id);
  });

  it('an operator-extended allowlist (PUSH_ALLOWED_HOSTS) admits its hosts and nothing more', async () => {
    const policy = pushPolicyFromEnv({ PUSH_ALLOWED_HOSTS: ' Push.Example.com , *.relay.example.org ' });
    const user = await newUser();
    const accepted = ['https://push.example.com/v1/abc', 'https://eu.push.example.com/v1/abc', 'https://a.relay.example.org/t/1'];
    for (const endpoint of accepted) {
      expect((await service(policy).subscribe(user.id, { endpoint, keys: pushKeys() })).endpoint).to.equal(endpoint);
    }
    // The default policy still refuses them, and so does the sender's re-check under it.
    await expectFailure(() => service().subscribe(user.id, { endpoint: 'https://push.example.com/v1/other', keys: pushKeys() }), {
      type: ValidationError,
      code: 'PUSH.ENDPOINT_HOST_NOT_ALLOWED',
      field: 'endpoint',
    });
    expect(() => checkPushEndpoint(accepted[0])).to.throw(ValidationError);
    // Extending the list relaxes nothing else.
    const stillRefused: Array<[string, string]> = [
      ['https://relay.example.org/t/1', 'PUSH.ENDPOINT_HOST_NOT_ALLOWED'],
      ['https://push.example.com.evil.net/', 'PUSH.ENDPOINT_HOST_NOT_ALLOWED'],
      ['http://push.example.com/v1', 'PUSH.ENDPOINT_NOT_HTTPS'],
      ['https://push.example.com:8443/v1', 'PUSH.ENDPOINT_PORT'],
      ['https://127.0.0.1/v1', 'PUSH.ENDPOINT_IP_LITERAL'],
    ];
    for (const [endpoint, code] of stillRefused) {
      await expectFailure(() => service(policy).subscribe(user.id, { endpoint, keys: pushKeys() }), { type: ValidationError, code, field: 'endpoint' });
    }
    expect((await service().listForUser(user.id)).map((s) => s.endpoint).sort()).to.deep.equal([...accepted].sort());
  });

  it('unsubscribe still finds an endpoint the current policy no longer allows (the allowlist shrank)', async () => {
    const user = await newUser();
    const endpoint = 'https://push.example.com/v1/abc';
    await service(pushPolicyFromEnv({ PUSH_ALLOWED_HOSTS: 'push.example.com' })).subscribe(user.id, { endpoint, keys: pushKeys() });
    await service().unsubscribe(user.id, 'https://PUSH.example.com/v1/abc');
    expect(await db.em().count(PushSubscription, {})).to.equal(0);
  });
});

describe('pushPolicyFromEnv refuses allowlist entries that would open the policy', () => {
  for (const entry of ['*', 'com', '*.com', '127.0.0.1', '[::1]', 'localhost', 'push.local', '*.internal', 'https://push.example.com', 'push.example.com:443', 'push..example.com', 'push.example.com.', 'under_score.example.com']) {
    it(`"${entry}" → CONFIG.INVALID_VALUE`, () => {
      let error: unknown;
      try {
        pushPolicyFromEnv({ PUSH_ALLOWED_HOSTS: `push.example.com,${entry}` });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as ConfigError).code).to.equal('CONFIG.INVALID_VALUE');
    });
  }

  it('an empty or unset variable leaves the default list', () => {
    expect(pushPolicyFromEnv({}).allowedHosts).to.deep.equal(DEFAULT_PUSH_POLICY.allowedHosts);
    expect(pushPolicyFromEnv({ PUSH_ALLOWED_HOSTS: ' , ' }).allowedHosts).to.deep.equal(DEFAULT_PUSH_POLICY.allowedHosts);
  });
});
