import { json } from 'body-parser';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The largest request body read, after decompression. */
export const JSON_BODY_LIMIT = '64kb';

/**
 * Fastify's only body parser: body-parser's JSON reader on the raw request, so bodies are read exactly as
 * before the move from Express (strict JSON, an empty body as `{}`, gzip/deflate/br decoded, UTF charsets
 * only, 64 kb after decoding), and its typed errors (`entity.parse.failed`, `entity.too.large`, …) reach
 * the error filter, which maps them to our codes without quoting the body. Requests with a body of any
 * other type never get here (the 415 guard answers first); one without a body is handed on untouched.
 */
export function parseJsonBodies(fastify: FastifyInstance): void {
  const read = json({ limit: JSON_BODY_LIMIT, type: () => true });
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (request, _payload, done) => {
    const raw = request.raw as IncomingMessage & { body?: unknown };
    // body-parser does not write to the response; it only needs the (req, res, next) middleware shape.
    read(raw, request.raw as unknown as ServerResponse, (error?: unknown) => (error ? done(new BodyReadError(error)) : done(null, raw.body)));
  });
}

/**
 * body-parser's error with only the fields the error filter reads (`type`, `status`, `code`, `expose`).
 * Not a SyntaxError even when the JSON was malformed: Nest turns any SyntaxError reaching Fastify's error
 * handler into a plain 400 before our filter sees it, which would lose REQUEST.MALFORMED_JSON.
 */
class BodyReadError extends Error {
  readonly type?: unknown;
  readonly status?: unknown;
  readonly code?: unknown;
  readonly expose?: unknown;

  constructor(cause: unknown) {
    super('the request body could not be read', { cause });
    const { type, status, code, expose } = (cause ?? {}) as Record<string, unknown>;
    Object.assign(this, { type, status, code, expose });
  }
}
