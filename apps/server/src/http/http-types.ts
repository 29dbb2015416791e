import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The few request/response members our error answers use. Deliberately not Fastify's own types: the error
 * mapping (sendHttpError) is unit-tested with plain objects, and `fromFastify` below adapts the real ones.
 */
export interface HttpRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface HttpResponse {
  headersSent: boolean;
  status(code: number): HttpResponse;
  setHeader(name: string, value: string): unknown;
  /** Sends `body` as JSON, as `application/json` unless another JSON media type is named (problem documents). */
  json(body: unknown, mediaType?: string): unknown;
  end(): unknown;
}

/** What controllers touch on the reply (`@Res({ passthrough: true })`): a status and headers; Fastify's reply has both. */
export interface HttpReply {
  status(code: number): HttpReply;
  header(name: string, value: string): HttpReply;
}

/** The path without the query string (Express's `req.path`): logs leave the query out, it may carry personal data. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** The Fastify request and reply seen through the shapes above, for sendHttpError. */
export function fromFastify(request: FastifyRequest, reply: FastifyReply): { req: HttpRequest; res: HttpResponse } {
  const req = Object.assign(Object.create(request) as FastifyRequest & HttpRequest, { path: pathOf(request.url) });
  const res: HttpResponse = {
    get headersSent() {
      return reply.sent || reply.raw.headersSent;
    },
    status(code) {
      reply.status(code);
      return res;
    },
    setHeader: (name, value) => reply.header(name, value),
    json: (body, mediaType = 'application/json') => reply.type(`${mediaType}; charset=utf-8`).send(JSON.stringify(body)),
    end: () => reply.raw.end(),
  };
  return { req, res };
}
