import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeEachDialect } from '../../../../packages/contractdesk/test/helpers/orm';
import { workspaceRoot } from '../../src/paths';
import { type RunningApp, registerUser, startApp } from './http';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: number | string } }>;
}

const SPAN_KIND_SERVER = 2;

/** An OTLP/HTTP collector reduced to what the exporter needs: POST /v1/traces with JSON, answered 200. */
class Receiver {
  readonly bodies: string[] = [];
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/v1/traces') this.bodies.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  spans(): OtlpSpan[] {
    return this.bodies.flatMap((body) => {
      const parsed = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
      return parsed.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    });
  }
}

function attribute(span: OtlpSpan, key: string): string | number | undefined {
  const value = span.attributes.find((a) => a.key === key)?.value;
  if (!value) return undefined;
  return value.stringValue ?? (value.intValue === undefined ? undefined : Number(value.intValue));
}

describeEachDialect(
  'app e2e: OpenTelemetry traces',
  (db) => {
    let receiver: Receiver;
    let app: RunningApp | undefined;

    beforeEach(() => {
      receiver = new Receiver();
    });

    afterEach(async () => {
      await app?.close();
      app = undefined;
      await receiver.stop();
    });

    it('a server span per request, child of the incoming traceparent, with a child span per SQL statement; no token, header or bound value in any attribute', async () => {
      app = await startApp({ ...db.env, OTEL_EXPORTER_OTLP_ENDPOINT: await receiver.start(), OTEL_SERVICE_NAME: 'contractdesk-test' });
      const client = await registerUser(app, 'client');
      const freelancer = await registerUser(app, 'freelancer');
      const title = `Confidential ${randomUUID()}`;
      const amount = '987654321';
      const writeTrace = randomBytes(16).toString('hex');
      const created = await app.request('POST', '/contracts', {
        as: client.id,
        headers: { traceparent: `00-${writeTrace}-${randomBytes(8).toString('hex')}-01` },
        body: { title, clientId: client.id, freelancerId: freelancer.id, amount },
      });
      expect(created.status).to.equal(201);

      const traceId = randomBytes(16).toString('hex');
      const parentId = randomBytes(8).toString('hex');
      const bearer = await app.signer.sign(`sub|traced|${randomUUID()}`);
      const read = await app.request('GET', `/contracts/${created.body.id}`, {
        as: client.id,
        headers: { traceparent: `00-${traceId}-${parentId}-01`, 'x-request-id': 'traced-request-1' },
      });
      expect(read.status).to.equal(200);
      const refused = await app.request('GET', `/contracts/${created.body.id}`, { authorization: `Bearer ${bearer}x` });
      expect(refused.status).to.equal(401);
      await app.close();
      app = undefined;

      const spans = receiver.spans();
      const servers = spans.filter((span) => span.traceId === traceId && span.kind === SPAN_KIND_SERVER);
      expect(servers, JSON.stringify(spans.map((s) => s.name))).to.have.length(1);
      const server = servers[0]!;
      expect(server.parentSpanId).to.equal(parentId);
      expect(server.name).to.equal('GET /contracts/:id');
      expect(attribute(server, 'http.request.method')).to.equal('GET');
      expect(attribute(server, 'http.route')).to.equal('/contracts/:id');
      expect(attribute(server, 'http.response.status_code')).to.equal(200);
      expect(attribute(server, 'http.request.id')).to.equal('traced-request-1');

      const statements = spans.filter((span) => span.parentSpanId === server.spanId);
      expect(statements.length).to.be.at.least(1);
      for (const statement of statements) {
        expect(statement.traceId).to.equal(traceId);
        expect(attribute(statement, 'db.system')).to.equal(db.dialect);
        expect(String(attribute(statement, 'db.query.text'))).to.match(/^(select|insert|update|delete|begin|commit|savepoint|release)/i);
      }
      expect(statements.some((span) => /^SELECT contractdesk_contracts$/.test(span.name))).to.equal(true);

      // The write's statements hang under its own server span too: the request's context survives the body being read.
      const writeServer = spans.find((span) => span.traceId === writeTrace && span.kind === SPAN_KIND_SERVER)!;
      expect(writeServer.name).to.equal('POST /contracts');
      const writes = spans.filter((span) => span.parentSpanId === writeServer.spanId);
      expect(writes.some((span) => /^INSERT contractdesk_contracts$/.test(span.name)), JSON.stringify(writes.map((s) => s.name))).to.equal(true);

      const exported = receiver.bodies.join('\n');
      expect(exported).to.include('contractdesk-test');
      for (const secret of [title, amount, created.body.id, client.id, bearer, bearer.split('.')[2]!, 'Bearer']) {
        expect(exported, secret).not.to.include(secret);
      }
    });
  },
  { sqliteFile: true },
);

describe('tracing off', () => {
  // @opentelemetry/api itself is allowed: prom-client (metrics) depends on that no-op facade. The SDK, the
  // exporter and their dependencies are what costs start-up time and memory, and they must stay unloaded.
  it('without OTEL_EXPORTER_OTLP_ENDPOINT no OpenTelemetry SDK module is loaded', function () {
    this.timeout(60_000);
    const probe = [
      "const { startTracing } = require('./apps/server/src/tracing/tracing');",
      "require('./apps/server/src/create-app');",
      "if (startTracing(undefined, {}) !== undefined) throw new Error('tracing started');",
      "process.stdout.write(String(Object.keys(require.cache).filter((k) => k.includes('@opentelemetry') && !k.includes('@opentelemetry/api/')).length));",
    ].join('\n');
    const loaded = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', probe], { cwd: workspaceRoot, encoding: 'utf8' });
    expect(loaded).to.equal('0');
  });
});
