import type { Logger } from '@nestjs/common';
import { sendHttpError } from './error-filter';
import type { HttpRequest, HttpResponse } from './http-types';
import { UnsupportedMediaTypeError } from './request-errors';

/** The only request body type the API reads; the JSON parser ignores every other type silently. */
const JSON_MEDIA_TYPE = 'application/json';

function hasBody(request: HttpRequest): boolean {
  const length = request.headers['content-length'];
  if (request.headers['transfer-encoding'] !== undefined) return true;
  return typeof length === 'string' && length.trim() !== '' && length.trim() !== '0';
}

function mediaType(request: HttpRequest): string | undefined {
  const raw = request.headers['content-type'];
  if (typeof raw !== 'string') return undefined;
  return raw.split(';')[0].trim().toLowerCase();
}

/**
 * Runs before the JSON parser. A body the parser would skip (no Content-Type, text/plain, a form) used to
 * reach the route as an empty object and fail later with a misleading field error; it is a 415 instead.
 */
export function requireJsonBody(logger: Pick<Logger, 'error'>) {
  return (request: HttpRequest, response: HttpResponse, next: () => void): void => {
    if (hasBody(request) && mediaType(request) !== JSON_MEDIA_TYPE) {
      sendHttpError(new UnsupportedMediaTypeError(), request, response, logger);
      return;
    }
    next();
  };
}
