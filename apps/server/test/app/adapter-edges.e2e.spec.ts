import { expect } from 'chai';
import { request as httpRequest } from 'node:http';
import { describeEachDialect } from '../../../../packages/contractdesk/test/helpers/orm';
import { useApp } from './http';

/**
 * What the move from Express to Fastify must not change for clients, where the two frameworks' defaults
 * differ (src/app/create-app.ts): an undecodable URL, routing, a bodiless request's Content-Type, timeouts.
 */
describeEachDialect(
  'app e2e: Express behaviour kept on the Fastify adapter',
  (db) => {
    describe('over HTTP', () => {
      const app = useApp(() => db.env);

      it('an undecodable URL is 400 HTTP.400 in our shape, without echoing it, with the headers of every answer', async () => {
        const res = await fetch(`${app().url}/contracts/%FFsecret`, { headers: { 'x-request-id': 'trace-bad-url' } });
        const text = await res.text();
        expect(res.status).to.equal(400);
        expect(JSON.parse(text)).to.deep.equal({ type: 'urn:contractdesk:problem:HTTP.400', title: 'Invalid request', status: 400, detail: 'The request was refused', code: 'HTTP.400' });
        expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
        expect(text).not.to.include('secret');
        expect(res.headers.get('x-request-id')).to.equal('trace-bad-url');
        expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
        expect(res.headers.get('content-security-policy')).to.include("default-src 'self'");
      });

      it('a trailing slash and the case of the path do not matter', async () => {
        for (const path of ['/health/', '/HEALTH', '/Health/']) {
          const res = await fetch(`${app().url}${path}`);
          expect(res.status, path).to.equal(200);
          expect(await res.json(), path).to.deep.equal({ status: 'ok' });
        }
      });

      it('the Content-Type of a request without a body changes nothing', async () => {
        const authorization = `Bearer ${await app().signer.sign(`adapter-subject-${process.pid}`)}`;
        const answers = [];
        for (const headers of [{}, { 'content-type': 'nonsense' }, { 'content-type': 'text/plain' }] as Array<Record<string, string>>) {
          const res = await fetch(`${app().url}/users`, { method: 'POST', headers: { ...headers, authorization } });
          answers.push({ status: res.status, code: ((await res.json()) as { code?: string }).code });
        }
        expect(answers).to.deep.equal(Array(3).fill({ status: 400, code: 'VALIDATION.TYPE' }));
      });

      it("keeps idle connections as long as node:http's default (Keep-Alive: timeout=5)", async () => {
        const keepAlive = await new Promise<string>((resolve, reject) => {
          const req = httpRequest(`${app().url}/health`, (res) => {
            res.resume();
            res.on('end', () => resolve(String(res.headers['keep-alive'])));
          });
          req.on('error', reject);
          req.end();
        });
        expect(keepAlive).to.equal('timeout=5');
      });
    });
  },
  { sqliteFile: true },
);
