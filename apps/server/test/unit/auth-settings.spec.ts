import { expect } from 'chai';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthClaimsRequiredError, DEV_KEY_FILE, readAuthSettings } from '../../src/auth/auth-settings';
import { hasDuplicateKeys } from '../../src/auth/token-verifier';
import { readSettings } from '../../src/settings';
import { DomainError } from '../../../../packages/contractdesk/src/errors/domain-error';

const CLAIMS = { AUTH_AUDIENCE: 'contractdesk', AUTH_ISSUER: 'https://idp.example/' };
const CLAIMS_SETTINGS = { audience: CLAIMS.AUTH_AUDIENCE, issuer: CLAIMS.AUTH_ISSUER };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
  return undefined;
}

describe('auth settings', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'contractdesk-auth-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('production without AUTH_JWT_SECRET / AUTH_JWKS_URL is CONFIG.AUTH_REQUIRED, and no key file is written', () => {
    expect(codeOf(() => readAuthSettings({ NODE_ENV: 'production', DB_PATH: join(dir, 'db.sqlite3') }))).to.equal('CONFIG.AUTH_REQUIRED');
    expect(() => statSync(join(dir, DEV_KEY_FILE))).to.throw();
  });

  it('development: creates a 32-byte key with mode 600 next to the database, and reuses it', () => {
    const env = { DB_PATH: join(dir, 'db.sqlite3') };
    const first = readAuthSettings(env);
    expect(first.keys.kind).to.equal('development');
    expect(statSync(join(dir, DEV_KEY_FILE)).mode & 0o777).to.equal(0o600);
    const second = readAuthSettings(env);
    if (first.keys.kind !== 'development' || second.keys.kind !== 'development') throw new Error('unreachable');
    expect(first.keys.created).to.equal(true);
    expect(second.keys.created).to.equal(false);
    expect(Buffer.from(second.keys.secret).equals(Buffer.from(first.keys.secret))).to.equal(true);
    expect(first.keys.secret.length).to.equal(32);
  });

  it('development: a sqlite:/file: DATABASE_URL puts the key next to its file too, as DB_PATH does', () => {
    for (const [url, sub] of [
      [`sqlite://${dir}/url/db.sqlite3`, 'url'],
      [`file:${dir}/file%20url/db.sqlite3`, 'file url'],
    ]) {
      const settings = readAuthSettings({ DATABASE_URL: url });
      if (settings.keys.kind !== 'development') throw new Error('expected development keys');
      expect(settings.keys.keyFile).to.equal(join(dir, sub, DEV_KEY_FILE));
      expect(statSync(settings.keys.keyFile).mode & 0o777).to.equal(0o600);
    }
  });

  it('refuses a development key readable by others, or a damaged one', () => {
    const file = join(dir, DEV_KEY_FILE);
    writeFileSync(file, 'ab'.repeat(32));
    chmodSync(file, 0o644);
    expect(codeOf(() => readAuthSettings({ DB_PATH: join(dir, 'db.sqlite3') }))).to.equal('CONFIG.INVALID_VALUE');
    chmodSync(file, 0o600);
    writeFileSync(file, 'short');
    expect(codeOf(() => readAuthSettings({ DB_PATH: join(dir, 'db.sqlite3') }))).to.equal('CONFIG.INVALID_VALUE');
  });

  it('refuses short secrets, both sources at once, plain-http JWKS off loopback, issuer without keys, bad tolerances', () => {
    const secret = 's'.repeat(32);
    for (const env of [
      { AUTH_JWT_SECRET: 'short' },
      { AUTH_JWT_SECRET: secret, AUTH_JWKS_URL: 'https://idp.example/jwks' },
      { AUTH_JWKS_URL: 'http://idp.example/jwks' },
      { AUTH_JWKS_URL: 'not a url' },
      { AUTH_ISSUER: 'https://idp.example/', DB_PATH: join(dir, 'x.sqlite3') },
      { AUTH_JWT_SECRET: secret, AUTH_CLOCK_TOLERANCE_SECONDS: '-1' },
      { AUTH_JWT_SECRET: secret, AUTH_CLOCK_TOLERANCE_SECONDS: '3600' },
    ]) {
      expect(codeOf(() => readAuthSettings(env)), JSON.stringify(env)).to.equal('CONFIG.INVALID_VALUE');
    }
    expect(readAuthSettings({ AUTH_JWKS_URL: 'http://127.0.0.1:9999/jwks', ...CLAIMS }).keys.kind).to.equal('jwks');
    expect(readAuthSettings({ AUTH_JWT_SECRET: secret }).clockToleranceSeconds).to.equal(30);
  });

  it('AUTH_AUDIENCE and AUTH_ISSUER are required with AUTH_JWKS_URL and in production (CONFIG.AUTH_CLAIMS_REQUIRED naming the missing ones)', () => {
    const secret = 's'.repeat(32);
    const jwks = { AUTH_JWKS_URL: 'https://idp.example/jwks' };
    const cases: Array<[Record<string, string>, string[]]> = [
      [jwks, ['AUTH_AUDIENCE', 'AUTH_ISSUER']],
      [{ ...jwks, AUTH_ISSUER: CLAIMS.AUTH_ISSUER }, ['AUTH_AUDIENCE']],
      [{ ...jwks, AUTH_AUDIENCE: CLAIMS.AUTH_AUDIENCE, AUTH_ISSUER: ' ' }, ['AUTH_ISSUER']],
      [{ AUTH_JWT_SECRET: secret, NODE_ENV: 'production' }, ['AUTH_AUDIENCE', 'AUTH_ISSUER']],
      [{ AUTH_JWT_SECRET: secret, NODE_ENV: 'production', AUTH_AUDIENCE: CLAIMS.AUTH_AUDIENCE }, ['AUTH_ISSUER']],
    ];
    for (const [env, missing] of cases) {
      let caught: unknown;
      try {
        readAuthSettings(env);
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(env)).to.be.instanceOf(AuthClaimsRequiredError);
      const error = caught as AuthClaimsRequiredError;
      expect(error.code).to.equal('CONFIG.AUTH_CLAIMS_REQUIRED');
      expect(error.missing).to.deep.equal(missing);
      for (const name of missing) expect(error.message).to.include(name);
    }
    expect(readAuthSettings({ ...jwks, ...CLAIMS })).to.include(CLAIMS_SETTINGS);
    expect(readAuthSettings({ AUTH_JWT_SECRET: secret, NODE_ENV: 'production', ...CLAIMS })).to.include(CLAIMS_SETTINGS);
    // Outside production a shared secret may still go without (the secret is ours alone).
    expect(readAuthSettings({ AUTH_JWT_SECRET: secret }).audience).to.equal(undefined);
  });

  it('CORS_ORIGINS takes exact origins only; throttle counts are whole numbers', () => {
    const base = { AUTH_JWT_SECRET: 's'.repeat(32) };
    expect(readSettings({ ...base }).corsOrigins).to.deep.equal([]);
    expect(readSettings({ ...base, CORS_ORIGINS: 'https://a.example, http://localhost:5173' }).corsOrigins).to.deep.equal([
      'https://a.example',
      'http://localhost:5173',
    ]);
    for (const value of ['*', 'https://a.example/', 'https://a.example/path', 'a.example', 'ftp://a.example']) {
      expect(codeOf(() => readSettings({ ...base, CORS_ORIGINS: value })), value).to.equal('CONFIG.INVALID_VALUE');
    }
    expect(codeOf(() => readSettings({ ...base, THROTTLE_WRITES: 'many' }))).to.equal('CONFIG.INVALID_VALUE');
    expect(codeOf(() => readSettings({ ...base, THROTTLE_WINDOW_SECONDS: '0' }))).to.equal('CONFIG.INVALID_VALUE');
    expect(readSettings({ ...base }).throttle).to.deep.equal({ windowSeconds: 60, writes: 120, registrations: 10 });
  });
});

describe('duplicate JSON keys (token parser differentials)', () => {
  it('finds a repeated key at any depth and ignores keys inside strings and arrays', () => {
    expect(hasDuplicateKeys('{"sub":"a","sub":"b"}')).to.equal(true);
    expect(hasDuplicateKeys('{"a":{"x":1,"x":2}}')).to.equal(true);
    expect(hasDuplicateKeys('{"a":[{"x":1},{"x":2}],"b":"\\"a\\":1"}')).to.equal(false);
    expect(hasDuplicateKeys('{"s\\u0075b":"a","sub":"b"}')).to.equal(true);
    expect(hasDuplicateKeys('{"sub":"a","aud":["x","x"]}')).to.equal(false);
    expect(hasDuplicateKeys('not json')).to.equal(false);
  });
});
