import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppLogger } from '../logging/logger';
import { identityOf } from './caller';
import type { HttpRequest } from './http-types';

export const REQUEST_ID_HEADER = 'x-request-id';

// A caller-supplied id (from a proxy or the client) is kept only if it cannot forge log lines or bloat them.
const ACCEPTED_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export interface IdentifiedRequest extends HttpRequest {
  requestId?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    requestId?: string;
  }
}

/**
 * Gives every request an id (the caller's X-Request-Id if well-formed, else a new UUID), returns it in the
 * response header, and logs one line per request when it ends: id, method, route pattern, status,
 * milliseconds and the caller's user id. The error filter logs causes with the same id, so a client's report
 * can be matched to the server log. The route pattern (`/contracts/:id`), never the URL: a path or query
 * string can carry personal data or a token.
 */
export function requestIdentifier(log: AppLogger): (request: FastifyRequest, reply: FastifyReply) => void {
  return (request, reply) => {
    const sent = request.headers[REQUEST_ID_HEADER];
    const id = typeof sent === 'string' && ACCEPTED_ID.test(sent) ? sent : randomUUID();
    request.requestId = id;
    reply.header('X-Request-Id', id);
    if (!log.isLevelEnabled('info')) return;
    const started = process.hrtime.bigint();
    // The socket's own 'finish', not an onResponse hook: answers sent outside the hooks are logged too.
    reply.raw.once('finish', () => {
      const durationMs = Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100;
      log.info(
        {
          requestId: id,
          method: request.method,
          route: request.routeOptions.url ?? null,
          status: reply.raw.statusCode,
          durationMs,
          userId: identityOf(request as unknown as HttpRequest)?.userId ?? null,
        },
        'request',
      );
    });
  };
}

/**
 * Runs `identify` for every request that reaches Fastify's hooks, as the first hook, so even an answer from a
 * later hook (the 415 guard, CORS) carries the id. createApp also calls it for the answers Fastify gives
 * before any hook runs (an undecodable URL).
 */
export function requestIds(fastify: FastifyInstance, identify: (request: FastifyRequest, reply: FastifyReply) => void): void {
  fastify.decorateRequest('requestId', undefined);
  fastify.addHook('onRequest', (request, reply, done) => {
    identify(request, reply);
    done();
  });
}
