import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type HttpRequest, pathOf } from './http-types';

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
 * response header, and logs one line per request when it ends: id, method, path, status, milliseconds.
 * The error filter logs causes with the same id, so a client's report can be matched to the server log.
 * The query string is left out of the log: it may carry personal data.
 */
export function requestIdentifier(): (request: FastifyRequest, reply: FastifyReply) => void {
  const logger = new Logger('HTTP');
  return (request, reply) => {
    const sent = request.headers[REQUEST_ID_HEADER];
    const id = typeof sent === 'string' && ACCEPTED_ID.test(sent) ? sent : randomUUID();
    request.requestId = id;
    reply.header('X-Request-Id', id);
    const started = process.hrtime.bigint();
    // The socket's own 'finish', not an onResponse hook: answers sent outside the hooks are logged too.
    reply.raw.once('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.log(`${id} ${request.method} ${pathOf(request.url)} ${reply.raw.statusCode} ${ms.toFixed(1)}ms`);
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
