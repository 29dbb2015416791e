import type { FastifyInstance } from 'fastify';
import { ConfigError, type Env, type OrmLogEntry, debugNamespaces, resolveBackend } from 'contractdesk';

/** What the app needs from tracing; the OpenTelemetry side lives in ./otel, loaded only when tracing is on. */
export interface Tracing {
  /** A server span per request, child of an incoming W3C `traceparent`. */
  instrument(fastify: FastifyInstance): void;
  /** Turns the ORM's statement log into child spans of the active request span. */
  recordQuery(entry: OrmLogEntry): void;
  /** Exports what is buffered; called when the app closes. */
  shutdown(): Promise<void>;
}

export interface TracingSettings {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL; spans go to `<endpoint>/v1/traces` as OTLP/HTTP JSON. */
  endpoint: string;
  /** OTEL_SERVICE_NAME; default contractdesk. */
  serviceName: string;
}

/** What the SQL spans say about the database. */
export interface DatabaseTraits {
  dbSystem: 'sqlite' | 'postgresql';
  /** Statement text only while it carries placeholders: the 'query-params' log namespace inlines the values. */
  statementText: boolean;
}

export function readTracingSettings(env: Env): TracingSettings | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!endpoint) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ConfigError('CONFIG.INVALID_VALUE', 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL like http://localhost:4318');
  }
  return { endpoint: endpoint.replace(/\/+$/, ''), serviceName: env.OTEL_SERVICE_NAME?.trim() || 'contractdesk' };
}

/** undefined (and no OpenTelemetry module loaded) unless OTEL_EXPORTER_OTLP_ENDPOINT is set. */
export function startTracing(settings: TracingSettings | undefined, env: Env): Tracing | undefined {
  if (!settings) return undefined;
  const database: DatabaseTraits = { dbSystem: resolveBackend(env).kind, statementText: !(debugNamespaces(env.DB_DEBUG) || []).includes('query-params') };
  return (require('./otel') as typeof import('./otel')).startOtel(settings, database);
}
