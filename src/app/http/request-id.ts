import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { HttpRequest, HttpResponse } from './http-types';

export const REQUEST_ID_HEADER = 'x-request-id';

// A caller-supplied id (from a proxy or the client) is kept only if it cannot forge log lines or bloat them.
const ACCEPTED_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export interface IdentifiedRequest extends HttpRequest {
  requestId?: string;
}

/**
 * Gives every request an id (the caller's X-Request-Id if well-formed, else a new UUID), returns it in the
 * response header, and logs one line per request when it ends: id, method, path, status, milliseconds.
 * The error filter logs causes with the same id, so a client's report can be matched to the server log.
 * The query string is left out of the log: it may carry personal data.
 */
export function requestIds() {
  const logger = new Logger('HTTP');
  return (req: IdentifiedRequest & { on?: unknown }, res: HttpResponse & { on(event: 'finish', listener: () => void): unknown; statusCode: number }, next: () => void) => {
    const sent = req.headers[REQUEST_ID_HEADER];
    const id = typeof sent === 'string' && ACCEPTED_ID.test(sent) ? sent : randomUUID();
    req.requestId = id;
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.log(`${id} ${req.method} ${req.path} ${res.statusCode} ${ms.toFixed(1)}ms`);
    });
    next();
  };
}
