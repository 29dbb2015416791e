import { expect } from 'chai';
import { request as httpRequest } from 'node:http';
import { KeyObject, createHmac, createPublicKey, randomUUID, sign as cryptoSign } from 'node:crypto';
import { CompactSign, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { User } from '../../../../packages/contractdesk/src/entities/user.entity';
import { describeEachDialect } from '../../../../packages/contractdesk/test/helpers/orm';
import { type AuthVariant, TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET, sharedJwksKey } from './auth';
import { type RunningApp, registerUser, startApp } from './http';

/**
 * The hostile-token table: every case sends a token to POST /users (which would create a row if the token
 * were accepted) and to GET /users (public: a bad token must still be 401, never "anonymous"), and checks
 * 401 with the stable code, a fixed message (no library wording), and no new row.
 */
interface Case {
  name: string;
  /** The full Authorization header value. */
  header: () => Promise<string>;
  code?: 'AUTH.INVALID_TOKEN' | 'AUTH.EXPIRED';
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const VICTIM = 'victim-subject';

function goodClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub: VICTIM, iss: TEST_ISSUER, aud: TEST_AUDIENCE, iat: now(), exp: now() + 600, ...extra };
}

function without(claims: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _gone, ...rest } = claims;
  return rest;
}

/** Signs raw header/payload TEXT with the variant's real key: the signature is valid, only the content is hostile. */
async function signRaw(variant: AuthVariant, headerText: string, payloadText: string): Promise<string> {
  const input = `${b64(headerText)}.${b64(payloadText)}`;
  if (variant === 'hs') return `${input}.${createHmac('sha256', TEST_SECRET).update(input).digest('base64url')}`;
  const key = await sharedJwksKey();
  const signature = cryptoSign('sha256', Buffer.from(input), KeyObject.from(key.privateKey)).toString('base64url');
  return `${input}.${signature}`;
}

async function realHeader(variant: AuthVariant, extra: Record<string, unknown> = {}): Promise<string> {
  if (variant === 'hs') return JSON.stringify({ alg: 'HS256', typ: 'JWT', ...extra });
  const key = await sharedJwksKey();
  return JSON.stringify({ alg: 'RS256', kid: key.kid, typ: 'JWT', ...extra });
}

async function signed(variant: AuthVariant, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  return signRaw(variant, await realHeader(variant, header), JSON.stringify(claims));
}

function cases(variant: AuthVariant): Case[] {
  const bearer = (token: Promise<string> | string) => async () => `Bearer ${await token}`;
  const valid = () => signed(variant, goodClaims());
  const list: Case[] = [
    // Shape of the header and the token
    { name: 'scheme Basic instead of Bearer', header: async () => `Basic ${Buffer.from('victim:pw').toString('base64')}` },
    { name: '"Bearer" with nothing after it', header: async () => 'Bearer ' },
    { name: 'token without the Bearer scheme', header: async () => valid() },
    { name: 'two segments', header: bearer(valid().then((t) => t.split('.').slice(0, 2).join('.'))) },
    { name: 'four segments', header: bearer(valid().then((t) => `${t}.AAAA`)) },
    { name: 'five segments (JWE shape)', header: bearer('eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..AAAA.AAAA.AAAA') },
    { name: 'characters outside base64url', header: bearer(valid().then((t) => t.replace('.', '.$'))) },
    { name: 'base64 padding', header: bearer(valid().then((t) => t.replace('.', '=.'))) },
    { name: 'whitespace inside the token', header: bearer(valid().then((t) => t.replace('.', '. '))) },
    { name: 'empty signature', header: bearer(valid().then((t) => t.slice(0, t.lastIndexOf('.') + 1))) },
    { name: 'token over 8 KB (huge header)', header: bearer(signRaw(variant, JSON.stringify({ alg: variant === 'hs' ? 'HS256' : 'RS256', pad: 'x'.repeat(9000) }), JSON.stringify(goodClaims()))) },
    // Not JSON, or not a JSON object
    { name: 'header is not JSON', header: bearer(signRaw(variant, '{alg: HS256', JSON.stringify(goodClaims()))) },
    { name: 'payload is not JSON', header: bearer(realHeader(variant).then((h) => signRaw(variant, h, 'sub=victim'))) },
    { name: 'payload is a JSON array', header: bearer(realHeader(variant).then((h) => signRaw(variant, h, '["victim"]'))) },
    { name: 'payload is a JSON string', header: bearer(realHeader(variant).then((h) => signRaw(variant, h, '"victim"'))) },
    { name: 'payload is binary garbage', header: bearer(realHeader(variant).then((h) => `${b64(h)}.${Buffer.from([0xff, 0xfe, 0x00, 0x01]).toString('base64url')}.AAAA`)) },
    // Signatures and keys
    { name: 'signature of another token', header: bearer(Promise.all([valid(), signed(variant, goodClaims({ sub: 'other' }))]).then(([a, b]) => `${a.slice(0, a.lastIndexOf('.'))}${b.slice(b.lastIndexOf('.'))}`)) },
    { name: 'one signature byte flipped', header: bearer(valid().then((t) => { const sig = Buffer.from(t.slice(t.lastIndexOf('.') + 1), 'base64url'); sig[0] ^= 1; return `${t.slice(0, t.lastIndexOf('.') + 1)}${sig.toString('base64url')}`; })) },
    { name: 'payload changed after signing', header: bearer(valid().then((t) => { const [h, , s] = t.split('.'); return `${h}.${b64(JSON.stringify(goodClaims({ sub: 'admin' })))}.${s}`; })) },
    { name: 'signed with another key', header: bearer(wrongKeyToken(variant)) },
    { name: 'alg none, no signature', header: bearer(`${b64('{"alg":"none","typ":"JWT"}')}.${b64(JSON.stringify(goodClaims()))}.`) },
    { name: 'alg none with a signature', header: bearer(`${b64('{"alg":"none"}')}.${b64(JSON.stringify(goodClaims()))}.AAAA`) },
    { name: 'alg NONE (case variant)', header: bearer(`${b64('{"alg":"NONE"}')}.${b64(JSON.stringify(goodClaims()))}.AAAA`) },
    { name: 'HS256 signed with the public key (algorithm confusion)', header: bearer(confusionToken()) },
    { name: 'HS512 with the right secret (algorithm not allowed)', header: bearer(hs512Token()) },
    { name: 'RS256 from an attacker key', header: bearer(attackerRsToken()) },
    { name: 'embedded jwk header (attacker key inline)', header: bearer(embeddedJwkToken()) },
    { name: 'jku header pointing at an attacker key set', header: bearer(jkuToken()) },
    { name: 'kid pointing nowhere', header: bearer(kidNowhereToken(variant)) },
    { name: 'crit header with an unknown extension', header: bearer(signed(variant, goodClaims(), { crit: ['x-unknown'], 'x-unknown': true })) },
    { name: 'unencoded payload (b64: false)', header: bearer(signed(variant, goodClaims(), { b64: false, crit: ['b64'] })) },
    // Time
    { name: 'expired an hour ago', header: bearer(signed(variant, goodClaims({ iat: now() - 7200, exp: now() - 3600 }))), code: 'AUTH.EXPIRED' },
    { name: 'expired beyond the clock tolerance (31 s)', header: bearer(signed(variant, goodClaims({ exp: now() - 31 }))), code: 'AUTH.EXPIRED' },
    { name: 'not yet valid (nbf in an hour)', header: bearer(signed(variant, goodClaims({ nbf: now() + 3600 }))) },
    { name: 'no exp claim', header: bearer(signed(variant, without(goodClaims(), 'exp'))) },
    { name: 'exp as a string', header: bearer(signed(variant, goodClaims({ exp: String(now() + 600) }))) },
    // Issuer and audience
    { name: 'wrong issuer', header: bearer(signed(variant, goodClaims({ iss: 'https://evil.example/' }))) },
    { name: 'no issuer', header: bearer(signed(variant, without(goodClaims(), 'iss'))) },
    { name: 'wrong audience', header: bearer(signed(variant, goodClaims({ aud: 'another-service' }))) },
    { name: 'audience list without ours', header: bearer(signed(variant, goodClaims({ aud: ['a', 'b'] }))) },
    { name: 'no audience', header: bearer(signed(variant, without(goodClaims(), 'aud'))) },
    // Subject
    { name: 'no subject', header: bearer(signed(variant, without(goodClaims(), 'sub'))) },
    { name: 'empty subject', header: bearer(signed(variant, goodClaims({ sub: '' }))) },
    { name: 'numeric subject', header: bearer(signed(variant, goodClaims({ sub: 12345 }))) },
    { name: 'subject with a NUL byte', header: bearer(signed(variant, goodClaims({ sub: 'vic\u0000tim' }))) },
    { name: 'subject of 10 KB', header: bearer(signed(variant, goodClaims({ sub: 'v'.repeat(10_240) }))) },
    { name: 'subject of 256 characters', header: bearer(signed(variant, goodClaims({ sub: 'v'.repeat(256) }))) },
    { name: 'subject with surrounding spaces', header: bearer(signed(variant, goodClaims({ sub: ` ${VICTIM} ` }))) },
    { name: 'subject with a lone surrogate', header: bearer(realHeader(variant).then((h) => signRaw(variant, h, JSON.stringify(goodClaims()).replace(`"${VICTIM}"`, '"vic\\ud800tim"')))) },
    // Parser differentials
    { name: 'duplicate sub claim', header: bearer(realHeader(variant).then((h) => signRaw(variant, h, JSON.stringify(goodClaims({ sub: 'innocent' })).replace(/}$/, `,"sub":"${VICTIM}-2"}`)))) },
    { name: 'duplicate exp claim (second one expired)', header: bearer(realHeader(variant).then((h) => signRaw(variant, h, JSON.stringify(goodClaims()).replace(/}$/, ',"exp":1}')))) },
    { name: 'duplicate alg in the header', header: bearer(realHeader(variant).then((h) => signRaw(variant, h.replace(/}$/, ',"alg":"none"}'), JSON.stringify(goodClaims())))) },
  ];
  return list;
}

async function wrongKeyToken(variant: AuthVariant): Promise<string> {
  const claims = goodClaims();
  if (variant === 'hs') {
    return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('another-secret-0123456789-abcdefghijklmnop'));
  }
  // Same kid as the real key, different private key.
  const real = await sharedJwksKey();
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: real.kid }).sign(privateKey);
}

/** The classic confusion: HMAC keyed with the (public) RSA key in PEM form, which anyone can compute. */
async function confusionToken(): Promise<string> {
  const real = await sharedJwksKey();
  const pem = createPublicKey(KeyObject.from(real.privateKey)).export({ type: 'spki', format: 'pem' }) as string;
  const input = `${b64(JSON.stringify({ alg: 'HS256', kid: real.kid, typ: 'JWT' }))}.${b64(JSON.stringify(goodClaims()))}`;
  return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
}

async function hs512Token(): Promise<string> {
  return new SignJWT(goodClaims()).setProtectedHeader({ alg: 'HS512' }).sign(new TextEncoder().encode(TEST_SECRET));
}

async function attackerRsToken(): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT(goodClaims()).setProtectedHeader({ alg: 'RS256', kid: 'attacker' }).sign(privateKey);
}

async function embeddedJwkToken(): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return new CompactSign(new TextEncoder().encode(JSON.stringify(goodClaims()))).setProtectedHeader({ alg: 'ES256', jwk }).sign(privateKey);
}

/** Signed by an attacker key that a `jku` header claims to publish: the header must be ignored. */
async function jkuToken(): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT(goodClaims()).setProtectedHeader({ alg: 'RS256', kid: 'attacker', jku: 'http://127.0.0.1:9/jwks.json' }).sign(privateKey);
}

async function kidNowhereToken(variant: AuthVariant): Promise<string> {
  if (variant === 'hs') return signed(variant, goodClaims(), { kid: 'no-such-key' }).then((t) => t.slice(0, t.lastIndexOf('.') + 1) + 'AAAA');
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT(goodClaims()).setProtectedHeader({ alg: 'RS256', kid: `nowhere-${randomUUID()}` }).sign(privateKey);
}

/**
 * POST /users with each entry of `authorizations` as its own Authorization header line (fetch would join them
 * into one): what a client or proxy that repeats the header sends.
 */
function postWithHeaders(url: string, authorizations: string[], body: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/users`, { method: 'POST' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || 'null') }));
    });
    req.on('error', reject);
    req.setHeader('content-type', 'application/json');
    req.setHeader('authorization', authorizations);
    req.end(JSON.stringify(body));
  });
}

const LIBRARY_WORDING = /jws|jwt|jwk|jose|alg|signature|claim|base64|json|unexpected|undefined|stack|error:/i;

describeEachDialect('app e2e: hostile bearer tokens', (db) => {
  for (const variant of ['hs', 'jwks'] as const) {
    describe(`verified with ${variant === 'hs' ? 'an HS256 secret' : 'a JWKS (RS256)'}`, () => {
      let app: RunningApp;
      before(async function () {
        this.timeout(60_000);
        app = await startApp(db.env, { logger: false, auth: variant });
      });
      after(async () => app?.close());

      it('the valid token of the table is accepted (the cases below differ from it in one respect)', async () => {
        const res = await app.request('POST', '/users', {
          authorization: `Bearer ${await signed(variant, goodClaims({ sub: `control-${randomUUID()}` }))}`,
          body: { username: `control${randomUUID().slice(0, 8)}`, email: `c${randomUUID().slice(0, 8)}@example.com`, role: 'client' },
        });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
      });

      const table = cases(variant);
      it(`has at least 40 cases (${table.length})`, () => {
        expect(table.length).to.be.at.least(40);
      });

      for (const c of table) {
        it(`401 ${c.code ?? 'AUTH.INVALID_TOKEN'}: ${c.name}`, async () => {
          await registerUser(app); // someone exists, so "no state change" is not trivially true
          const usersBefore = await db.em().count(User, {});
          const authorization = await c.header();
          const username = `h${randomUUID().replace(/-/g, '').slice(0, 20)}`;
          const write = await app.request('POST', '/users', { authorization, body: { username, email: `${username}@example.com`, role: 'client' } });
          const read = await app.request('GET', '/users', { authorization });
          for (const res of [write, read]) {
            expect(res.status, JSON.stringify(res.body)).to.equal(401);
            expect(res.body.code).to.equal(c.code ?? 'AUTH.INVALID_TOKEN');
            expect(Object.keys(res.body).sort()).to.deep.equal(['code', 'detail', 'status', 'title', 'type']);
            expect(res.body.detail).not.to.match(LIBRARY_WORDING);
            expect(res.headers.get('www-authenticate')).to.equal('Bearer');
          }
          expect(await db.em().count(User, {})).to.equal(usersBefore);
          expect(await db.em().count(User, { username })).to.equal(0);
        });
      }

      describe('more than one credential (issue 23: the first header used to win)', () => {
        const fresh = () => signed(variant, goodClaims({ sub: `dup-${randomUUID()}` }));
        const combos: Array<[string, () => Promise<string[]>]> = [
          ['two valid tokens in two headers', async () => [`Bearer ${await fresh()}`, `Bearer ${await fresh()}`]],
          ['a valid token, then garbage', async () => [`Bearer ${await fresh()}`, 'garbage']],
          ['garbage, then a valid token', async () => ['garbage', `Bearer ${await fresh()}`]],
          ['the same valid token twice', async () => { const t = await fresh(); return [`Bearer ${t}`, `Bearer ${t}`]; }],
          ['one header with two credentials, comma and space', async () => [`Bearer ${await fresh()}, Bearer ${await fresh()}`]],
          ['one header with two credentials, comma only', async () => [`Bearer ${await fresh()},Bearer ${await fresh()}`]],
        ];
        for (const [name, headers] of combos) {
          it(`401 AUTH.INVALID_TOKEN, no row written: ${name}`, async () => {
            const before = await db.em().count(User, {});
            const username = `d${randomUUID().replace(/-/g, '').slice(0, 20)}`;
            const res = await postWithHeaders(app.url, await headers(), { username, email: `${username}@example.com`, role: 'client' });
            expect(res.status, JSON.stringify(res.body)).to.equal(401);
            expect(res.body.code).to.equal('AUTH.INVALID_TOKEN');
            expect(await db.em().count(User, {})).to.equal(before);
          });
        }
        it('control: one header with one valid token, sent the same way, registers', async () => {
          const username = `d${randomUUID().replace(/-/g, '').slice(0, 20)}`;
          const res = await postWithHeaders(app.url, [`Bearer ${await fresh()}`], { username, email: `${username}@example.com`, role: 'client' });
          expect(res.status, JSON.stringify(res.body)).to.equal(201);
        });
      });
    });
  }
}, { sqliteFile: true });
