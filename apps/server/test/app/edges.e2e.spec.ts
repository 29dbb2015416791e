import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { User } from '../../../../packages/contractdesk/src/entities/user.entity';
import { UserService } from '../../../../packages/contractdesk/src/services/user.service';
import { describeEachDialect } from '../../../../packages/contractdesk/test/helpers/orm';
import { newSigningKey, startJwksServer, TEST_AUDIENCE, TEST_ISSUER } from './auth';
import { SignJWT } from 'jose';
import { type RunningApp, startApp, useApp } from './http';

const userBody = () => {
  const name = `u${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  return { username: name, email: `${name}@example.com`, role: 'both' };
};

describeEachDialect(
  'app e2e: identity binding and hardened edges',
  (db) => {
    describe('registration binds a subject once', () => {
      const app = useApp(() => db.env);

      it('16 concurrent registrations for one subject: one 201, fifteen 409 USER.SUBJECT_TAKEN, one row', async () => {
        const subject = `racer|${randomUUID()}`;
        const results = await Promise.all(Array.from({ length: 16 }, () => app().request('POST', '/users', { subject, body: userBody() })));
        const statuses = results.map((r) => r.status).sort();
        expect(statuses).to.deep.equal([201, ...Array(15).fill(409)]);
        expect(results.filter((r) => r.status === 409).every((r) => r.body.code === 'USER.SUBJECT_TAKEN')).to.equal(true);
        expect(await db.em().count(User, { authSubject: subject })).to.equal(1);
        expect(await db.em().count(User, {})).to.equal(1);
      });

      it('security headers on every answer (helmet), no CORS headers unless configured, request ids echoed or generated', async () => {
        const res = await app().request('GET', '/users', { headers: { origin: 'https://evil.example', 'x-request-id': 'trace-123' } });
        expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
        expect(res.headers.get('strict-transport-security')).to.match(/max-age=\d+/);
        expect(res.headers.get('content-security-policy')).to.include("default-src 'self'");
        expect(res.headers.get('x-frame-options')).to.equal('SAMEORIGIN');
        expect(res.headers.get('x-powered-by')).to.equal(null);
        expect(res.headers.get('access-control-allow-origin')).to.equal(null);
        // Preflights and unknown routes are outside the OpenAPI document by design: contract: false.
        const preflight = await app().request('OPTIONS', '/users', {
          headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
          contract: false,
        });
        expect(preflight.headers.get('access-control-allow-origin')).to.equal(null);
        expect(preflight.headers.get('access-control-allow-headers')).to.equal(null);
        expect(res.headers.get('x-request-id')).to.equal('trace-123');
        const forged = await app().request('GET', '/users', { headers: { 'x-request-id': 'x'.repeat(65) } });
        expect(forged.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
        const errorAnswer = await app().request('GET', '/nope', { contract: false });
        expect(errorAnswer.headers.get('x-content-type-options')).to.equal('nosniff');
        expect(errorAnswer.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
      });

      it('no user-controlled text in error messages (route, body fields, token claims)', async () => {
        const marker = 'MARKER<script>';
        const responses = [
          await app().request('GET', `/${encodeURIComponent(marker)}`, { contract: false }), // an unknown route: not in the document
          await app().request('POST', '/users', { subject: `s|${randomUUID()}`, body: { username: marker, email: `${marker}@x`, role: marker } }),
          await app().request('GET', `/users/${encodeURIComponent(marker)}`),
          await app().request('GET', '/users', { authorization: `Bearer ${marker}` }),
          await app().request('GET', '/users', { authorization: `Bearer ${await app().signer.sign(marker, { issuer: marker })}` }),
        ];
        for (const res of responses) {
          expect(res.status).to.be.within(400, 499);
          expect(JSON.stringify(res.body)).not.to.include('MARKER');
        }
      });
    });

    describe('CORS configured', () => {
      const app = useApp(() => db.env, { CORS_ORIGINS: 'https://app.example.com' });

      it('answers the configured origin only', async () => {
        // CORS preflights are answered by the CORS middleware, not by a route of the OpenAPI document.
        const ok = await app().request('OPTIONS', '/users', {
          headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
          contract: false,
        });
        expect(ok.headers.get('access-control-allow-origin')).to.equal('https://app.example.com');
        expect(ok.headers.get('access-control-allow-headers')).to.include('Authorization');
        const other = await app().request('OPTIONS', '/users', {
          headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
          contract: false,
        });
        expect(other.headers.get('access-control-allow-origin')).to.equal(null);
      });
    });

    describe('rate limits (THROTTLE_REGISTRATIONS=2, THROTTLE_WRITES=3 per 60 s)', () => {
      let app: RunningApp;
      const logged: string[] = [];
      before(async function () {
        this.timeout(60_000);
        app = await startApp(
          { ...db.env, THROTTLE_REGISTRATIONS: '2', THROTTLE_WRITES: '3', THROTTLE_WINDOW_SECONDS: '60', LOG_FORMAT: 'json' },
          { logDestination: { write: (line: string) => void logged.push(line) } },
        );
      });
      after(async () => app?.close());

      it('registration: the third attempt from one address is 429 with Retry-After and writes nothing', async () => {
        const before = await db.em().count(User, {});
        const first = await app.request('POST', '/users', { subject: `t|${randomUUID()}`, body: userBody() });
        const second = await app.request('POST', '/users', { subject: `t|${randomUUID()}`, body: userBody() });
        const third = await app.request('POST', '/users', { subject: `t|${randomUUID()}`, body: userBody() });
        expect([first.status, second.status, third.status]).to.deep.equal([201, 201, 429]);
        expect(third.body).to.deep.equal({
          type: 'urn:contractdesk:problem:HTTP.TOO_MANY_REQUESTS',
          title: 'Too many requests',
          status: 429,
          detail: 'Too many requests; retry after the number of seconds in Retry-After',
          code: 'HTTP.TOO_MANY_REQUESTS',
        });
        const retryAfter = Number(third.headers.get('retry-after'));
        expect(retryAfter).to.be.within(1, 60);
        expect(await db.em().count(User, {})).to.equal(before + 2);
      });

      it('writes: budget per caller (the fourth write is 429, another caller is unaffected), reads are not limited; request ids in the log', async () => {
        // Registered through the service: the HTTP registration budget is not what this test measures.
        const users = new UserService(db.em());
        const alice = await users.register(userBody(), `alice|${randomUUID()}`);
        const bob = await users.register(userBody(), `bob|${randomUUID()}`);
        const asAlice = { subject: alice.authSubject! };
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) statuses.push((await app.request('POST', '/roles', { ...asAlice, body: { name: `r${i}` } })).status);
        // 403 (not an administrator) still counts: the budget is on attempts, not successes.
        expect(statuses).to.deep.equal([403, 403, 403, 429]);
        expect((await app.request('GET', '/roles', asAlice)).status).to.equal(200);
        expect((await app.request('POST', '/roles', { subject: bob.authSubject!, body: { name: 'b' } })).status).to.equal(403);
        const traced = await app.request('GET', '/health', { headers: { 'x-request-id': 'trace-log-1' } });
        expect(traced.status).to.equal(200);
        await new Promise((r) => setTimeout(r, 20));
        const lines = logged.map((line) => JSON.parse(line) as Record<string, unknown>);
        expect(lines.some((l) => l.requestId === 'trace-log-1' && l.method === 'GET' && l.route === '/health' && l.status === 200)).to.equal(true);
      });
    });

    describe('JWKS unavailable', () => {
      it('a key server answering 500, or not answering at all, is 503 AUTH.KEYS_UNAVAILABLE (retry), not a 401', async function () {
        this.timeout(60_000);
        const broken = createServer((_req, res) => {
          res.statusCode = 500;
          res.end('{"error":"down"}');
        });
        await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
        const { port } = broken.address() as AddressInfo;
        const key = await newSigningKey('ES256');
        const token = await new SignJWT({}).setProtectedHeader({ alg: key.alg, kid: key.kid }).setSubject('k').setIssuer(TEST_ISSUER).setAudience(TEST_AUDIENCE).setExpirationTime('5m').sign(key.privateKey);
        for (const url of [`http://127.0.0.1:${port}/jwks.json`, 'http://127.0.0.1:9/jwks.json']) {
          const app = await startApp({ ...db.env, AUTH_JWKS_URL: url, AUTH_ISSUER: TEST_ISSUER, AUTH_AUDIENCE: TEST_AUDIENCE });
          try {
            const res = await app.request('POST', '/users', { authorization: `Bearer ${token}`, body: userBody() });
            expect(res.status, url).to.equal(503);
            expect(res.body).to.deep.equal({
              type: 'urn:contractdesk:problem:AUTH.KEYS_UNAVAILABLE',
              title: 'Unavailable',
              status: 503,
              detail: 'The signing keys could not be fetched; retry shortly',
              code: 'AUTH.KEYS_UNAVAILABLE',
            });
            expect(res.headers.get('retry-after')).to.equal('1');
          } finally {
            await app.close();
          }
        }
        await new Promise<void>((resolve) => broken.close(() => resolve()));
        expect(await db.em().count(User, {})).to.equal(0);
      });
    });

    describe('JWKS key rotation', () => {
      it('a token signed with a key published after start is accepted once the set is refetched (unknown kid)', async function () {
        this.timeout(60_000);
        const first = await newSigningKey('ES256');
        const jwks = await startJwksServer([first.publicJwk]);
        const app = await startApp({ ...db.env, AUTH_JWKS_URL: jwks.url, AUTH_ISSUER: TEST_ISSUER, AUTH_AUDIENCE: TEST_AUDIENCE, AUTH_JWKS_COOLDOWN_SECONDS: '0' });
        try {
          const token = (key: typeof first, sub: string) =>
            new SignJWT({}).setProtectedHeader({ alg: key.alg, kid: key.kid }).setSubject(sub).setIssuer(TEST_ISSUER).setAudience(TEST_AUDIENCE).setExpirationTime('5m').sign(key.privateKey);
          const a = await app.request('POST', '/users', { authorization: `Bearer ${await token(first, 'rot-a')}`, body: userBody() });
          expect(a.status).to.equal(201);
          const fetchesBefore = jwks.requests;
          const second = await newSigningKey('EdDSA');
          const early = await app.request('GET', '/users', { authorization: `Bearer ${await token(second, 'rot-b')}` });
          expect(early.status).to.equal(401);
          jwks.keys = [first.publicJwk, second.publicJwk];
          const b = await app.request('POST', '/users', { authorization: `Bearer ${await token(second, 'rot-b')}`, body: userBody() });
          expect(b.status, JSON.stringify(b.body)).to.equal(201);
          expect(jwks.requests).to.be.greaterThan(fetchesBefore);
          // The retired key stops working once the provider drops it.
          jwks.keys = [second.publicJwk];
          const retired = await new SignJWT({}).setProtectedHeader({ alg: first.alg, kid: `${first.kid}` }).setSubject('rot-a').setIssuer(TEST_ISSUER).setAudience(TEST_AUDIENCE).setExpirationTime('5m').sign(first.privateKey);
          // Cached sets keep a known kid until the cache ages out; a new kid forces a refetch, so ask with one.
          const probe = await newSigningKey('ES256');
          await app.request('GET', '/users', { authorization: `Bearer ${await token(probe, 'probe')}` });
          expect((await app.request('GET', '/users', { authorization: `Bearer ${retired}` })).status).to.equal(401);
        } finally {
          await app.close();
          await jwks.close();
        }
      });
    });
  },
  { sqliteFile: true },
);

