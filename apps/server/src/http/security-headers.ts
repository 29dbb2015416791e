import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

export interface SecurityHeaders {
  /** Sets the headers on one answer (also used for the answers Fastify gives before any hook runs). */
  apply(res: ServerResponse): void;
  /** What helmet sets, in its order: for tests and the bench's notes. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

/**
 * helmet's default headers, taken once. @fastify/helmet called `helmet(options)` inside its onRequest hook, so
 * every request rebuilt the whole middleware (options, the CSP directives parsed and serialised again) and
 * ran a second async hook for its reply decorators, before a single header was set. With helmet's defaults
 * no value depends on the request (no nonce, no directive function), so one run of the middleware against a
 * recording response yields the complete list; each answer then only copies it.
 */
export function securityHeaders(): SecurityHeaders {
  const headers: Array<[string, string]> = [];
  const removed: string[] = [];
  const recorder = {
    setHeader(name: string, value: string) {
      headers.push([name, String(value)]);
    },
    removeHeader(name: string) {
      removed.push(name);
    },
  };
  let failure: unknown;
  helmet()({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    failure = error;
  });
  if (failure) throw failure instanceof Error ? failure : new Error('helmet refused its own defaults');
  return {
    headers,
    apply(res) {
      for (const [name, value] of headers) res.setHeader(name, value);
      for (const name of removed) res.removeHeader(name);
    },
  };
}

/** Every answer that reaches Fastify's hooks, errors included; the API serves JSON only, so the strict defaults fit. */
export function registerSecurityHeaders(fastify: FastifyInstance, security: SecurityHeaders): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    security.apply(reply.raw);
    done();
  });
}
