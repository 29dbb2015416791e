import type { Logger } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { sendHttpError } from './error-filter';
import { type HttpRequest, fromFastify } from './http-types';
import { UnsupportedMediaTypeError } from './request-errors';

/** The only request body type the API reads; the JSON parser ignores every other type silently. */
const JSON_MEDIA_TYPE = 'application/json';

function hasBody(request: Pick<HttpRequest, 'headers'>): boolean {
  const length = request.headers['content-length'];
  if (request.headers['transfer-encoding'] !== undefined) return true;
  return typeof length === 'string' && length.trim() !== '' && length.trim() !== '0';
}

function mediaType(request: Pick<HttpRequest, 'headers'>): string | undefined {
  const raw = request.headers['content-type'];
  if (typeof raw !== 'string') return undefined;
  return raw.split(';')[0].trim().toLowerCase();
}

/**
 * Runs before the JSON parser. A body the parser would skip (no Content-Type, text/plain, a form) used to
 * reach the route as an empty object and fail later with a misleading field error; it is a 415 instead.
 */
export function requireJsonBody(fastify: FastifyInstance, logger: Pick<Logger, 'error'>): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!hasBody(request)) {
      // Fastify would judge the Content-Type of a request without a body (415 for one it cannot parse);
      // with nothing to parse it means nothing, and the route answers as it would for no header at all.
      delete request.headers['content-type'];
    } else if (mediaType(request) !== JSON_MEDIA_TYPE) {
      const { req, res } = fromFastify(request, reply);
      // Answered here: a callback hook that has sent its reply does not call done().
      sendHttpError(new UnsupportedMediaTypeError(), req, res, logger);
      return;
    }
    done();
  });
}
