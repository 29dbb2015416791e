import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
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
 * The query string is left out of the log: it may carry personal data. First hook of all, so even an
 * answer from a later hook (the 415 guard, CORS) carries the id.
 */
export function requestIds(fastify: FastifyInstance): void {
  const logger = new Logger('HTTP');
  fastify.decorateRequest('requestId', undefined);
  const started = Symbol('started');
  fastify.addHook('onRequest', (request, reply, done) => {
    const sent = request.headers[REQUEST_ID_HEADER];
    const id = typeof sent === 'string' && ACCEPTED_ID.test(sent) ? sent : randomUUID();
    request.requestId = id;
    (request as unknown as Record<symbol, bigint>)[started] = process.hrtime.bigint();
    reply.header('X-Request-Id', id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const ms = Number(process.hrtime.bigint() - (request as unknown as Record<symbol, bigint>)[started]) / 1e6;
    logger.log(`${request.requestId} ${request.method} ${pathOf(request.url)} ${reply.statusCode} ${ms.toFixed(1)}ms`);
    done();
  });
}
