import { expect } from 'chai';
import fc from 'fast-check';
import { ValidationError } from '../../src/errors/domain-error';
import {
  DEFAULT_PUSH_POLICY,
  ENDPOINT_MAX_LENGTH,
  checkPushEndpoint,
  checkPushKeys,
  hostMatches,
  pushPolicyFromEnv,
} from '../../src/domain/push-endpoint';
import { REAL_ENDPOINTS } from '../validation/support';

describe('push endpoint policy (pure)', () => {
  it('hostMatches: exact-or-subdomain for plain patterns, subdomains only for *. patterns', () => {
    const cases: Array<[string, string, boolean]> = [
      ['fcm.googleapis.com', 'fcm.googleapis.com', true],
      ['a.fcm.googleapis.com', 'fcm.googleapis.com', true],
      ['fcm.googleapis.com.evil.com', 'fcm.googleapis.com', false],
      ['evilfcm.googleapis.com', 'fcm.googleapis.com', false],
      ['googleapis.com', 'fcm.googleapis.com', false],
      ['db5p.notify.windows.com', '*.notify.windows.com', true],
      ['a.b.notify.windows.com', '*.notify.windows.com', true],
      ['notify.windows.com', '*.notify.windows.com', false],
      ['evilnotify.windows.com', '*.notify.windows.com', false],
      ['.notify.windows.com', '*.notify.windows.com', false],
    ];
    for (const [host, pattern, expected] of cases) expect(hostMatches(host, pattern), `${host} vs ${pattern}`).to.equal(expected);
  });

  it('canonical form is a fixed point, so a sender re-checking a stored endpoint gets it back unchanged', () => {
    for (const [, endpoint] of REAL_ENDPOINTS) {
      const once = checkPushEndpoint(endpoint);
      expect(checkPushEndpoint(once)).to.equal(once);
    }
    expect(checkPushEndpoint('HTTPS://Web.Push.Apple.COM:443/AbC')).to.equal('https://web.push.apple.com/AbC');
  });

  it('property: whatever it accepts is https on 443, allowlisted, without userinfo or fragment, within the cap, and stable', () => {
    const allowed = DEFAULT_PUSH_POLICY.allowedHosts;
    const real = fc.constantFrom(...REAL_ENDPOINTS.map(([, e]) => e));
    const mutated = fc
      .tuple(real, fc.nat(), fc.string({ unit: 'binary-ascii', maxLength: 4 }))
      .map(([e, at, junk]) => e.slice(0, at % e.length) + junk + e.slice(at % e.length));
    const input = fc.oneof(real, mutated, fc.webUrl({ withFragments: true, withQueryParameters: true }), fc.string({ maxLength: 60 }), fc.anything());
    fc.assert(
      fc.property(input, (value) => {
        let canonical: string;
        try {
          canonical = checkPushEndpoint(value);
        } catch (error) {
          expect(error).to.be.instanceOf(ValidationError);
          expect((error as ValidationError).field).to.equal('endpoint');
          return;
        }
        const url = new URL(canonical);
        expect(url.protocol).to.equal('https:');
        expect(url.port).to.equal('');
        expect(url.username + url.password).to.equal('');
        expect(canonical).not.to.include('#');
        expect(canonical.length).to.be.at.most(ENDPOINT_MAX_LENGTH);
        expect(allowed.some((p) => hostMatches(url.hostname, p))).to.equal(true);
        expect(checkPushEndpoint(canonical)).to.equal(canonical);
      }),
      { numRuns: 300 },
    );
  });

  it('the policy a service was given is the one applied (an empty allowlist refuses everything)', () => {
    expect(() => checkPushEndpoint(REAL_ENDPOINTS[0][1], { allowedHosts: [], maxLength: 1000 })).to.throw(ValidationError);
    expect(() => checkPushEndpoint(REAL_ENDPOINTS[0][1], { ...DEFAULT_PUSH_POLICY, maxLength: 20 })).to.throw(ValidationError, /at most 20/);
    const extended = pushPolicyFromEnv({ PUSH_ALLOWED_HOSTS: 'push.example.com,*.relay.example.org' });
    expect(extended.allowedHosts).to.include.members([...DEFAULT_PUSH_POLICY.allowedHosts, 'push.example.com', '*.relay.example.org']);
  });

  it('keys: padding is tolerated and removed; a valid pair comes back unpadded base64url', () => {
    const p256dh = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 0xab)]).toString('base64url');
    const auth = Buffer.alloc(16, 0xcd).toString('base64url');
    expect(checkPushKeys({ p256dh: `${p256dh}=`, auth: `${auth}==` })).to.deep.equal({ p256dh, auth });
    expect(checkPushKeys({ p256dh: ` ${p256dh} `, auth })).to.deep.equal({ p256dh, auth });
  });

  it('keys property: exactly 65 bytes starting 0x04 and exactly 16 bytes, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ maxLength: 24 }), (point, secret) => {
        const keys = { p256dh: Buffer.from(point).toString('base64url'), auth: Buffer.from(secret).toString('base64url') };
        const ok = point.length === 65 && point[0] === 4 && secret.length === 16;
        if (ok) expect(checkPushKeys(keys)).to.deep.equal(keys);
        else expect(() => checkPushKeys(keys)).to.throw(ValidationError);
      }),
      { numRuns: 500 },
    );
  });
});
