import { expect } from 'chai';
import { type JWTPayload, SignJWT } from 'jose';
import { type AuthSettings, readAuthSettings } from '../../src/auth/auth-settings';
import { TokenVerifier } from '../../src/auth/token-verifier';
import { DomainError } from '../../../../packages/contractdesk/src/errors/domain-error';

const SECRET = 'a-test-secret-of-at-least-32-bytes-long!';

/** Counts how often jose is actually asked to verify. */
class CountingVerifier extends TokenVerifier {
  calls = 0;
  protected override verifySignature(token: string, options: Parameters<TokenVerifier['verifySignature']>[1]): Promise<JWTPayload> {
    this.calls++;
    return super.verifySignature(token, options);
  }
}

function settings(env: Record<string, string> = {}): AuthSettings {
  return readAuthSettings({ AUTH_JWT_SECRET: SECRET, AUTH_CLOCK_TOLERANCE_SECONDS: '0', ...env });
}

function sign(sub: string, expiresInSeconds: number, secret = SECRET): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
    .sign(new TextEncoder().encode(secret));
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('token verification cache', () => {
  it('AUTH_TOKEN_CACHE_SECONDS defaults to 60 and accepts 0 (off) to 300', () => {
    expect(settings().tokenCacheSeconds).to.equal(60);
    expect(settings({ AUTH_TOKEN_CACHE_SECONDS: '0' }).tokenCacheSeconds).to.equal(0);
    expect(() => settings({ AUTH_TOKEN_CACHE_SECONDS: '301' })).to.throw(/AUTH_TOKEN_CACHE_SECONDS/);
  });

  it('verifies a token once, then answers from the cache with the same subject', async () => {
    const verifier = new CountingVerifier(settings());
    const token = await sign('user-1', 600);
    for (let i = 0; i < 5; i++) expect((await verifier.verify(`Bearer ${token}`)).subject).to.equal('user-1');
    expect(verifier.calls).to.equal(1);
  });

  it('a token differing only in its signature is verified (and refused), never served from the cache', async () => {
    const verifier = new CountingVerifier(settings());
    const token = await sign('user-1', 600);
    await verifier.verify(`Bearer ${token}`);
    const forged = await sign('user-1', 600, 'another-secret-of-at-least-32-bytes-long');
    const [h, p] = token.split('.');
    const mixed = `${h}.${p}.${forged.split('.')[2]}`;
    expect(mixed).to.not.equal(token);
    expect(await codeOf(verifier.verify(`Bearer ${mixed}`))).to.equal('AUTH.INVALID_TOKEN');
    expect(verifier.calls).to.equal(2);
  });

  it('a cached token is refused once it expires', async () => {
    const verifier = new CountingVerifier(settings());
    const token = await sign('user-1', 2);
    expect((await verifier.verify(`Bearer ${token}`)).subject).to.equal('user-1');
    await sleep(2100);
    expect(await codeOf(verifier.verify(`Bearer ${token}`))).to.equal('AUTH.EXPIRED');
    expect(verifier.calls).to.equal(2);
  });

  it('0 turns the cache off: every request is verified', async () => {
    const verifier = new CountingVerifier(settings({ AUTH_TOKEN_CACHE_SECONDS: '0' }));
    const token = await sign('user-1', 600);
    for (let i = 0; i < 3; i++) await verifier.verify(`Bearer ${token}`);
    expect(verifier.calls).to.equal(3);
  });

  it('entries last at most AUTH_TOKEN_CACHE_SECONDS', async () => {
    const verifier = new CountingVerifier(settings({ AUTH_TOKEN_CACHE_SECONDS: '1' }));
    const token = await sign('user-1', 600);
    await verifier.verify(`Bearer ${token}`);
    await verifier.verify(`Bearer ${token}`);
    expect(verifier.calls).to.equal(1);
    await sleep(1100);
    await verifier.verify(`Bearer ${token}`);
    expect(verifier.calls).to.equal(2);
  });
});
