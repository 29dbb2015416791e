import type { FastifyInstance } from 'fastify';
import { Histogram, type Registry } from 'prom-client';

/** Answers take from under a millisecond (a cached read) to seconds (a write waiting for a lock). */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Anything else a client invents would be a new series each: one label for all of them. */
const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * One histogram over every answer, labelled by the route's pattern (`/contracts/:id`), never the raw URL: ids and
 * probing scanners would otherwise make a series per request. Everything no route matched is `route="unmatched"`.
 */
export function observeHttpRequests(fastify: FastifyInstance, registry: Registry): void {
  const duration = new Histogram({
    name: 'contractdesk_http_request_duration_seconds',
    help: 'HTTP answers by route pattern, method and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: BUCKETS,
    registers: [registry],
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    duration.observe(
      {
        method: METHODS.has(request.method) ? request.method : 'OTHER',
        route: (request.is404 ? undefined : request.routeOptions.url) ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
