import { expect } from 'chai';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { sendHttpError, toHttpError } from '../../src/http/error-filter';
import type { HttpRequest, HttpResponse } from '../../src/http/http-types';
import { describeEachDialect } from '../../../../packages/contractdesk/test/helpers/orm';
import { useApp } from './http';

let seq = 0;
const user = () => {
  const username = `edge${++seq}x${process.pid}`;
  return JSON.stringify({ username, email: `${username}@example.com`, role: 'client' });
};

type Case = { label: string; headers: Record<string, string>; body: () => Buffer | string | undefined; status: number; code?: string };

/** Every way a body can arrive; the only successes are JSON, declared as JSON, in an encoding that decodes. */
const CASES: Case[] = [
  { label: 'identity JSON', headers: { 'content-type': 'application/json' }, body: user, status: 201 },
  { label: 'JSON; charset=utf-8', headers: { 'content-type': 'application/json; charset=utf-8' }, body: user, status: 201 },
  { label: 'gzip', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: () => gzipSync(user()), status: 201 },
  { label: 'deflate', headers: { 'content-type': 'application/json', 'content-encoding': 'deflate' }, body: () => deflateSync(user()), status: 201 },
  { label: 'br', headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, body: () => brotliCompressSync(user()), status: 201 },
  { label: 'gzip that is not gzip', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: user, status: 400, code: 'REQUEST.UNDECODABLE_BODY' },
  { label: 'truncated gzip', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: () => gzipSync(user()).subarray(0, 20), status: 400, code: 'REQUEST.UNDECODABLE_BODY' },
  { label: 'deflate that is not deflate', headers: { 'content-type': 'application/json', 'content-encoding': 'deflate' }, body: user, status: 400, code: 'REQUEST.UNDECODABLE_BODY' },
  { label: 'br that is not br', headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, body: () => 'not brotli', status: 400, code: 'REQUEST.UNDECODABLE_BODY' },
  { label: 'gzip of text that is not JSON', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: () => gzipSync('{"a":'), status: 400, code: 'REQUEST.MALFORMED_JSON' },
  { label: 'unknown encoding', headers: { 'content-type': 'application/json', 'content-encoding': 'compress' }, body: user, status: 415, code: 'REQUEST.UNSUPPORTED_ENCODING' },
  { label: 'malformed JSON', headers: { 'content-type': 'application/json' }, body: () => '{"username":', status: 400, code: 'REQUEST.MALFORMED_JSON' },
  { label: 'latin1 charset', headers: { 'content-type': 'application/json; charset=latin1' }, body: user, status: 415, code: 'REQUEST.UNSUPPORTED_CHARSET' },
  { label: 'JSON without Content-Type', headers: {}, body: user, status: 415, code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE' },
  { label: 'text/plain', headers: { 'content-type': 'text/plain' }, body: user, status: 415, code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE' },
  { label: 'form', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: () => 'username=abc', status: 415, code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE' },
  { label: 'multipart', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: () => '--x--', status: 415, code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE' },
  { label: '+json suffix', headers: { 'content-type': 'application/merge-patch+json' }, body: user, status: 415, code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE' },
  { label: 'no body, no Content-Type', headers: {}, body: () => undefined, status: 400, code: 'VALIDATION.TYPE' },
];

describeEachDialect(
  'app e2e: request bodies, encodings and content types',
  (db) => {
    describe('over HTTP', () => {
      const app = useApp(() => db.env);

      it('answers every encoding × content type with its status and a stable code, never 500', async () => {
        const seen: string[] = [];
        for (const c of CASES) {
          // A valid bearer token with a fresh subject, so only the body decides the answer.
          const authorization = `Bearer ${await app().signer.sign(`edge-subject-${++seq}-${process.pid}`)}`;
          const res = await fetch(`${app().url}/users`, { method: 'POST', headers: { ...c.headers, authorization }, body: c.body() });
          const body = (await res.json()) as { code?: string; detail?: string };
          seen.push(`${c.label}: ${res.status} ${body.code ?? ''}`);
          expect(res.status, `${c.label}: ${JSON.stringify(body)}`).to.equal(c.status);
          if (c.code) expect(body.code, c.label).to.equal(c.code);
          if (res.status >= 400) {
            expect(Object.keys(body), c.label).to.include.members(['type', 'title', 'status', 'detail', 'code']);
            expect(res.headers.get('content-type'), c.label).to.match(/^application\/problem\+json/);
          }
        }
        expect(seen).to.have.length(CASES.length);
      });

      it('the 404 of an unknown route does not echo the path', async () => {
        const res = await fetch(`${app().url}/nope%3Cscript%3Ealert(1)%3C%2Fscript%3E?q=secret`);
        const text = await res.text();
        expect(res.status).to.equal(404);
        expect(JSON.parse(text).code).to.equal('HTTP.NOT_FOUND');
        expect(text).not.to.match(/nope|script|secret/i);
      });
    });
  },
  { sqliteFile: true },
);

describe('app: every 500 is logged with its cause', () => {
  function fakeResponse() {
    const sent: { status?: number; body?: unknown } = {};
    const res: HttpResponse = {
      headersSent: false,
      status(code) {
        sent.status = code;
        return res;
      },
      setHeader: () => undefined,
      json(body) {
        sent.body = body;
      },
      end: () => undefined,
    };
    return { res, sent };
  }
  const req: HttpRequest = { method: 'POST', path: '/users', headers: {} };

  it('logs the cause of a 500 and keeps it out of the answer; client errors are not logged', () => {
    const logged: string[] = [];
    const logger = { error: (message: unknown, stack?: unknown) => void logged.push(`${message}\n${stack}`) };
    const cause = new Error('the real reason: relation "users" does not exist');
    const { res, sent } = fakeResponse();
    sendHttpError(Object.assign(new Error('wrapper'), { cause }), req, res, logger);
    expect(sent.status).to.equal(500);
    expect(JSON.stringify(sent.body)).not.to.include('real reason');
    expect(logged).to.have.length(1);
    expect(logged[0]).to.include('POST /users → 500 INTERNAL').and.include('the real reason');

    const zlibError = Object.assign(new Error('incorrect header check'), { code: 'Z_DATA_ERROR', status: 400, expose: true });
    const client = fakeResponse();
    sendHttpError(zlibError, req, client.res, logger);
    expect(client.sent.status).to.equal(400);
    expect(logged).to.have.length(1);
    expect(toHttpError(new Error('plain')).log).to.equal(true);
  });
});
