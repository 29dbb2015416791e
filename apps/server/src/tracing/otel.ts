import { ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, defaultTextMapGetter, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { OrmLogEntry } from 'contractdesk';
import type { DatabaseTraits, Tracing, TracingSettings } from './tracing';
import { sqlSummary } from './sql-span-name';

const EXPORT_TIMEOUT_MS = 5_000;

/**
 * Manual spans through OpenTelemetry's public API, without patching any module. Nothing is registered globally
 * (tracer provider, context manager, propagator are this instance's own), so a second app in the same process
 * (the tests) or a host's own OpenTelemetry set-up is not disturbed.
 */
export function startOtel(settings: TracingSettings, database: DatabaseTraits): Tracing {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
    // Bounded: an unreachable collector must not hold a SIGTERM shutdown for the SDK's default 30 s.
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${settings.endpoint}/v1/traces`, timeoutMillis: EXPORT_TIMEOUT_MS }), { exportTimeoutMillis: EXPORT_TIMEOUT_MS }),
    ],
  });
  const tracer = provider.getTracer('contractdesk');
  const contexts = new AsyncLocalStorageContextManager().enable();
  const propagator = new W3CTraceContextPropagator();

  return {
    instrument(fastify) {
      fastify.addHook('onRequest', (request, reply, done) => {
        const parent = propagator.extract(ROOT_CONTEXT, request.headers, defaultTextMapGetter);
        const route = request.routeOptions.url;
        const span = tracer.startSpan(
          route ? `${request.method} ${route}` : request.method,
          {
            kind: SpanKind.SERVER,
            attributes: {
              'http.request.method': request.method,
              ...(route ? { 'http.route': route } : {}),
              ...(request.requestId ? { 'http.request.id': request.requestId } : {}),
            },
          },
          parent,
        );
        // 'close' rather than 'finish': a request whose client went away still ends its span.
        reply.raw.once('close', () => endServerSpan(span, reply.raw.statusCode));
        // Everything the request runs from here (guards, handler, the ORM's statements) sees this span as active.
        contexts.with(trace.setSpan(parent, span), done);
      });
    },

    recordQuery(entry: OrmLogEntry) {
      if (!entry.query) return;
      const active = contexts.active();
      // Statements outside a request (migrations at start-up) would each be a trace of their own: left out.
      if (!trace.getSpan(active)) return;
      const end = Date.now();
      const { operation, table, name } = sqlSummary(entry.message);
      const span = tracer.startSpan(
        name,
        {
          kind: SpanKind.CLIENT,
          startTime: end - (entry.query.tookMs ?? 0),
          attributes: {
            'db.system': database.dbSystem,
            'db.system.name': database.dbSystem,
            'db.operation.name': operation,
            ...(table ? { 'db.collection.name': table } : {}),
            ...(database.statementText ? { 'db.query.text': entry.message } : {}),
            ...(entry.query.results !== undefined ? { 'db.response.returned_rows': entry.query.results } : {}),
            ...(entry.query.affected !== undefined ? { 'db.response.affected_rows': entry.query.affected } : {}),
          },
        },
        active,
      );
      if (entry.query.failed) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end(end);
    },

    async shutdown() {
      contexts.disable();
      await provider.shutdown();
    },
  };
}

function endServerSpan(span: Span, status: number): void {
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
