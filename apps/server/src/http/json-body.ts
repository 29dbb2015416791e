import { json } from 'body-parser';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The largest request body read, after decompression. */
export const JSON_BODY_LIMIT = '64kb';

/**
 * The deepest nesting of objects and arrays a JSON body may have (the body itself is level 1). Our deepest
 * DTO is 3 levels (`changes[i].amount`); 32 leaves room for any sane client. Checked right after parsing,
 * before anything walks the body: the DTO validation (Nest's ValidationPipe, class-validator) recurses per
 * level, and 3,000 levels of `{"a":` (about 18 KB, well under the size limit) used to exhaust the stack (500).
 */
export const JSON_MAX_DEPTH = 32;

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
    read(raw, request.raw as unknown as ServerResponse, (error?: unknown) => {
      if (error) return done(new BodyReadError(error));
      if (exceedsDepth(raw.body, JSON_MAX_DEPTH)) return done(new BodyReadError(TOO_DEEP));
      done(null, raw.body);
    });
  });
}

/** Shaped like body-parser's own errors, so the error filter maps it the same way (REQUEST.TOO_DEEP). */
const TOO_DEEP = Object.freeze({ type: 'entity.too.deep', status: 400, expose: true });

/**
 * Whether `value` nests objects/arrays deeper than `max`. Iterative (an explicit stack), so the check itself
 * cannot overflow whatever the depth; it stops at the first path that goes too deep.
 */
export function exceedsDepth(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
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
