import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/core';
import type { FastifyInstance } from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { contractDeskMetrics } from 'contractdesk/metrics';
import { observeHttpRequests } from './http-metrics';
import type { MetricsSettings } from './metrics-settings';

export interface MetricsEndpoint {
  readonly registry: Registry;
  /** Opens the metrics listener (METRICS_HOST:METRICS_PORT); the app's close() closes it. */
  listen(): Promise<AddressInfo>;
}

/**
 * The app's series in a registry of its own (prom-client's global one stays whatever a library put there): the
 * process's, the HTTP answers', and the library's through the same contractDeskMetrics a host registers. Served by a
 * plain node:http listener apart from the API, so none of the API's auth, rate limits or public exposure apply.
 */
export function installMetrics(fastify: FastifyInstance, orm: MikroORM, settings: Extract<MetricsSettings, { enabled: true }>): MetricsEndpoint {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client names these three gauges like counters, which Prometheus' lint (promtool check metrics) refuses; each
  // is the sum of the per-type gauge it comes with (nodejs_active_handles{type=…}, …), so nothing is lost.
  for (const total of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(total);
  observeHttpRequests(fastify, registry);
  const library = contractDeskMetrics(registry, { orm });
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: the metrics are at GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
      (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`collecting the metrics failed: ${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
  fastify.addHook('onClose', async () => {
    library.close();
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    registry,
    listen: () => listenOn(server, settings.port, settings.host),
  };
}

function listenOn(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}
