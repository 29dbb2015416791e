import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { OpenAPIObject } from '@nestjs/swagger';
import { CONTRACT_VIEW_FIELDS } from 'contractdesk';
import { generateOpenApiJson } from '../../scripts/openapi';
import { ContractChecker } from './contract';
import { request } from './http';

/**
 * The OpenAPI document (what `npm run openapi` writes to docs/openapi.json) and the contract check that every
 * e2e request goes through (test/app/http.ts): the check must be able to fail.
 */
describe('OpenAPI document', () => {
  let json: string;
  let document: OpenAPIObject;
  before(async function () {
    this.timeout(60_000);
    json = await generateOpenApiJson();
    document = JSON.parse(json) as OpenAPIObject;
  });

  it('is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator)', async () => {
    const validator = new Validator();
    const result = await validator.validate(document as unknown as Record<string, unknown>);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).to.deep.equal([]);
    expect(result.valid).to.equal(true);
    expect(validator.version).to.equal('3.1');
  });

  it('is generated deterministically: keys in a stable order, a trailing newline', async () => {
    expect(await generateOpenApiJson()).to.equal(json);
    expect(json.endsWith('}\n')).to.equal(true);
  });

  it('every operation has a described 2xx with its body schema, error answers with codes, and a security requirement', () => {
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item as Record<string, any>)) {
        const where = `${method.toUpperCase()} ${path}`;
        const statuses = Object.keys(operation.responses);
        const success = statuses.filter((s) => s.startsWith('2'));
        expect(success, where).not.to.be.empty;
        for (const status of success) {
          const response = operation.responses[status];
          expect(response.description, `${where} ${status}`).not.to.equal('');
          if (status !== '204') expect(response.content?.['application/json']?.schema, `${where} ${status} schema`).to.be.an('object');
        }
        for (const status of ['400', '401', '500', '503']) {
          expect(operation.responses[status]?.description, `${where} ${status}`).to.match(/: [A-Z][A-Z_]*(\.[A-Z_]+)?/);
        }
        expect(operation.security, where).to.be.an('array').that.is.not.empty;
      }
    }
  });

  it('errors are RFC 9457 problem documents; servers, an SPDX licence and every tag used are declared', () => {
    const problem = document.components!.schemas!.ProblemDetails as any;
    expect(problem.required).to.have.members(['type', 'title', 'status', 'detail', 'code']);
    expect(problem.properties).to.have.all.keys('type', 'title', 'status', 'detail', 'code', 'field');
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item as Record<string, any>)) {
        for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
          if (!status.startsWith('4') && !status.startsWith('5')) continue;
          expect(response.content, `${method} ${path} ${status}`).to.have.property('application/problem+json');
        }
        for (const tag of operation.tags ?? []) expect((document.tags ?? []).map((t) => t.name), `${method} ${path}`).to.include(tag);
      }
    }
    for (const tag of document.tags ?? []) expect(tag.description, tag.name).to.be.a('string').and.not.equal('');
    expect(document.servers).to.deep.equal([{ url: '/', description: 'The server this document is served from' }]);
    expect(document.info.license).to.deep.equal({ name: 'MIT', identifier: 'MIT' });
  });

  it('declares bearer tokens, ETag / If-Match on contract changes, and int64 amounts as digit strings', () => {
    expect(document.components?.securitySchemes?.bearer).to.deep.include({ type: 'http', scheme: 'bearer' });
    expect(document.paths['/health'].get!.security).to.deep.equal([{}, { bearer: [] }]);
    expect(document.paths['/users'].post!.security).to.deep.equal([{ bearer: [] }]);
    const amount = document.paths['/contracts/{id}/amount'].put!;
    expect(amount.responses['200']).to.have.nested.property('headers.ETag');
    expect(amount.parameters).to.deep.include.members([
      { in: 'header', name: 'If-Match', required: false, schema: { type: 'string' }, description: (amount.parameters as any[]).find((p) => p.name === 'If-Match')?.description },
    ]);
    expect((document.components!.schemas!.ContractView as any).properties.amount).to.include({ type: 'string', pattern: '^[0-9]+$' });
    // The schema is the library's read model, field for field and in its order (views/contract-view.ts).
    const contractView = document.components!.schemas!.ContractView as any;
    expect(contractView.required).to.deep.equal(Object.keys(CONTRACT_VIEW_FIELDS));
    for (const [name, field] of Object.entries(CONTRACT_VIEW_FIELDS)) expect(contractView.properties[name], name).to.deep.include(field.schema);
    const conflict = JSON.stringify(amount.responses['409']);
    expect(conflict).to.include('CONTRACT.VERSION_CONFLICT');
  });
});

describe('contract check of e2e responses (test/app/contract.ts)', () => {
  let checker: ContractChecker;
  let server: Server;
  let base: string;
  /** What the fake server answers next: GET /health is declared with 200 { status: 'ok' }. */
  let next: { status: number; body: string };

  before(async function () {
    this.timeout(60_000);
    checker = new ContractChecker(JSON.parse(await generateOpenApiJson()) as OpenAPIObject);
    server = createServer((_req, res) => {
      res.writeHead(next.status, { 'content-type': 'application/json' }).end(next.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  // Errors are problem documents; everything else plain JSON.
  const answer = (status: number, body: unknown, path = '/health', method = 'GET') => ({
    method,
    path,
    status,
    headers: new Headers(body === undefined ? {} : { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' }),
    text: body === undefined ? '' : JSON.stringify(body),
  });

  it('passes an answer the document declares', async () => {
    expect(checker.problems(answer(200, { status: 'ok' }))).to.deep.equal([]);
    next = { status: 200, body: '{"status":"ok"}' };
    expect((await request(base, 'GET', '/health')).status).to.equal(200);
  });

  it('fails an undeclared status', async () => {
    expect(checker.problems(answer(418, { status: 'ok' }))).to.have.length(1).and.match(/does not declare status 418/);
    next = { status: 418, body: '{"status":"ok"}' };
    await expectRejected(request(base, 'GET', '/health'), /does not declare status 418/);
  });

  it('fails a body that breaks its schema, also an error body with a code its response does not list', async () => {
    expect(checker.problems(answer(200, { status: 'fine' })).join()).to.match(/body\/status must be equal to one of the allowed values/);
    expect(checker.problems(answer(500, problem(500, 'DB.UNAVAILABLE'))).join()).to.match(/body\/code must be equal to one of the allowed values/);
    expect(checker.problems(answer(500, problem(500, 'INTERNAL')))).to.deep.equal([]);
    // The old body shape is a contract break now.
    expect(checker.problems(answer(500, { code: 'INTERNAL', message: 'x' })).join()).to.match(/must have required property 'type'/);
    // Response shapes are closed: a field a presenter leaks by accident is a contract break.
    expect(checker.problems(answer(200, { status: 'ok', secret: 'x' })).join()).to.match(/must NOT have additional properties/);
    next = { status: 200, body: '{"state":"ok"}' };
    await expectRejected(request(base, 'GET', '/health'), /must have required property 'status'/);
  });

  it('fails an undeclared route or method, a missing declared header, and a body where none is declared', () => {
    expect(checker.problems(answer(404, problem(404, 'HTTP.NOT_FOUND'), '/nope')).join()).to.match(/declares no GET route/);
    // An error answered as plain JSON instead of a problem document.
    const plain = { ...answer(500, problem(500, 'INTERNAL')), headers: new Headers({ 'content-type': 'application/json' }) };
    expect(checker.problems(plain).join()).to.match(/Content-Type application\/json is not one of the declared application\/problem\+json/);
    expect(checker.problems(answer(200, { status: 'ok' }, '/health', 'POST')).join()).to.match(/declares no POST route/);
    const contract = { id: '0', title: 't', clientId: '0', freelancerId: '0', amount: '1', currency: 'XLM', status: 'draft', version: 1, createdAt: '', updatedAt: '' };
    const id = '00000000-0000-4000-8000-000000000000';
    expect(checker.problems(answer(200, contract, `/contracts/${id}`)).join()).to.match(/declared header ETag is missing/);
    expect(checker.problems(answer(204, { ok: true }, `/users/${id}`, 'DELETE')).join()).to.match(/a body was sent where none is declared/);
  });

  it('lets a request opt out explicitly', async () => {
    next = { status: 418, body: '{}' };
    expect((await request(base, 'GET', '/health', { contract: false })).status).to.equal(418);
  });
});

function problem(status: number, code: string) {
  return { type: `urn:contractdesk:problem:${code}`, title: 'Internal error', status, detail: 'x', code };
}

async function expectRejected(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the request should have been refused by the contract check').to.be.instanceOf(Error);
  expect((error as Error).message).to.match(message);
}
