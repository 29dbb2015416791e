import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type HttpRequest as Request, type HttpResponse as Response, fromFastify } from './http-types';
import { DomainError, ValidationError } from 'contractdesk';
import { AuthRequiredError } from './auth-errors';
import type { IdentifiedRequest } from './request-id';
import { UnsupportedMediaTypeError } from './request-errors';

/** What an error is before it becomes a problem document: the stable code, a fixed message, the field at fault. */
export interface HttpErrorBody {
  code: string;
  message: string;
  field?: string;
}

/**
 * Every error answer: an RFC 9457 problem document (`application/problem+json`). `type` names the problem
 * (one URI per code), `title` is its fixed summary, `detail` the message for this occurrence; the stable `code`
 * clients switch on, and for validation errors the `field` at fault, are extension members.
 */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  field?: string;
}

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** The problem type of a code: a URN, not a locator (RFC 9457 §3.1.1 allows identifiers that do not resolve). */
export function problemType(code: string): string {
  return `urn:contractdesk:problem:${code}`;
}

// One title per status, so one per problem type as RFC 9457 wants (a code always answers with the same status).
const PROBLEM_TITLES: Record<number, string> = {
  400: 'Invalid request',
  401: 'No usable identity',
  403: 'Not allowed',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflicts with the current state',
  413: 'Request body too large',
  415: 'Unsupported request body',
  422: 'Refused by a business rule',
  429: 'Too many requests',
  500: 'Internal error',
  503: 'Unavailable',
};

export function problemTitle(status: number): string {
  return PROBLEM_TITLES[status] ?? 'Request refused';
}

export function toProblem(status: number, body: HttpErrorBody): ProblemDetails {
  const problem: ProblemDetails = { type: problemType(body.code), title: problemTitle(status), status, detail: body.message, code: body.code };
  if (body.field !== undefined) problem.field = body.field;
  return problem;
}

export interface HttpError {
  status: number;
  body: HttpErrorBody;
  headers: Record<string, string>;
  /** Whether the cause belongs in the server log (unexpected failures only). */
  log: boolean;
}

const STATUS_BY_KIND: Record<DomainError['kind'], number> = {
  validation: 400,
  not_found: 404,
  conflict: 409,
  rule: 422,
  forbidden: 403,
  unavailable: 503,
  config: 500,
  usage: 500,
  internal: 500,
};

const GENERIC: HttpErrorBody = { code: 'INTERNAL', message: 'An internal error occurred' };

// body-parser failures carry `type` and `status`; their messages may quote the request body, so we write our own.
const BODY_PARSER_ERRORS: Record<string, { status: number; body: HttpErrorBody }> = {
  'entity.parse.failed': { status: 400, body: { code: 'REQUEST.MALFORMED_JSON', message: 'The request body is not valid JSON' } },
  // Ours (json-body.ts), shaped like body-parser's: nesting deeper than JSON_MAX_DEPTH.
  'entity.too.deep': { status: 400, body: { code: 'REQUEST.TOO_DEEP', message: 'The request body is nested too deeply' } },
  'entity.too.large': { status: 413, body: { code: 'REQUEST.TOO_LARGE', message: 'The request body is too large' } },
  'encoding.unsupported': { status: 415, body: { code: 'REQUEST.UNSUPPORTED_ENCODING', message: 'Unsupported request body encoding' } },
  'charset.unsupported': { status: 415, body: { code: 'REQUEST.UNSUPPORTED_CHARSET', message: 'Unsupported request body charset' } },
};

// A Content-Encoding we support (gzip, deflate, br) whose bytes do not decompress: body-parser passes zlib's
// own error on with status 400 but no `type`, which used to fall through to a 500.
const UNDECODABLE: { status: number; body: HttpErrorBody } = {
  status: 400,
  body: { code: 'REQUEST.UNDECODABLE_BODY', message: 'The request body could not be decompressed with its Content-Encoding' },
};
// zlib: Z_DATA_ERROR, Z_BUF_ERROR (truncated); brotli: ERR__ERROR_FORMAT_*; zstd: ERR_ZSTD_*.
const DECOMPRESSION_ERROR = /^(Z_|ERR__ERROR_|ERR_ZLIB|ERR_BROTLI|ERR_ZSTD)/;

/** The one mapping from anything thrown to an HTTP status and `{ code, message, field? }`. Pure, so it is unit-testable. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof DomainError) {
    if (error instanceof AuthRequiredError) {
      return { status: 401, body: { code: error.code, message: error.message }, headers: { 'WWW-Authenticate': 'Bearer' }, log: false };
    }
    const status = error instanceof UnsupportedMediaTypeError ? 415 : (STATUS_BY_KIND[error.kind] ?? 500);
    if (status === 500) return { status, body: GENERIC, headers: {}, log: true };
    const body: HttpErrorBody = { code: error.code, message: error.message };
    if (error instanceof ValidationError) body.field = error.field;
    // Retryable failures say when to come back; the body is the DomainError's own safe message.
    const headers: Record<string, string> = status === 503 ? { 'Retry-After': '1' } : {};
    return { status, body, headers, log: status === 503 };
  }
  const parserError = bodyParserError(error);
  if (parserError) return { ...parserError, headers: {}, log: false };
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status >= 500) return { status, body: GENERIC, headers: {}, log: true };
    return { status, body: { code: `HTTP.${httpCodeName(status)}`, message: httpMessage(status) }, headers: {}, log: false };
  }
  return { status: 500, body: GENERIC, headers: {}, log: true };
}

function bodyParserError(error: unknown): { status: number; body: HttpErrorBody } | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && DECOMPRESSION_ERROR.test(code)) return UNDECODABLE;
  const type = (error as { type?: unknown }).type;
  if (typeof type === 'string' && BODY_PARSER_ERRORS[type]) return BODY_PARSER_ERRORS[type];
  const status = (error as { status?: unknown }).status;
  // Fastify's own request errors carry `statusCode` and framework text: a body Fastify refused
  // (FST_ERR_CTP_*: a Content-Length that does not match the body, …) gets body-parser's generic answer,
  // any other (a URL it cannot route, …) the fixed wording of its status.
  const fastifyStatus = (error as { statusCode?: unknown }).statusCode;
  if (typeof code === 'string' && code.startsWith('FST_') && typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    if (code.startsWith('FST_ERR_CTP_')) return { status: fastifyStatus, body: { code: 'REQUEST.INVALID_BODY', message: 'The request body could not be read' } };
    return { status: fastifyStatus, body: { code: `HTTP.${httpCodeName(fastifyStatus)}`, message: httpMessage(fastifyStatus) } };
  }
  // http-errors marks client errors `expose`; body-parser wraps every stream failure that way, typed or not.
  const fromParser = typeof type === 'string' || (error as { expose?: unknown }).expose === true;
  if (fromParser && typeof status === 'number' && status >= 400 && status < 500) {
    return { status, body: { code: 'REQUEST.INVALID_BODY', message: 'The request body could not be read' } };
  }
  return undefined;
}

function httpCodeName(status: number): string {
  switch (status) {
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 429:
      return 'TOO_MANY_REQUESTS';
    default:
      return String(status);
  }
}

// Fixed wording per status: Nest's own messages quote the request ("Cannot GET /<path>"), and nothing the
// caller sent is echoed back (a reflected path is a phishing or log-forging aid).
const HTTP_MESSAGES: Record<number, string> = {
  404: 'No such route',
  405: 'Method not allowed on this route',
  413: 'The request body is too large',
  429: 'Too many requests; retry after the number of seconds in Retry-After',
};

function httpMessage(status: number): string {
  return HTTP_MESSAGES[status] ?? 'The request was refused';
}

/**
 * Answers one error: the Nest filter below (which also sees Fastify's errors: the JSON parser's, an unknown
 * route's) and the 415 guard both end here, so a 500 is logged with its cause whichever of the two saw it first.
 */
export function sendHttpError(exception: unknown, request: Request, response: Response, logger: Pick<Logger, 'error'>): void {
  const mapped = toHttpError(exception);
  if (mapped.log) {
    const cause = exception instanceof Error && exception.cause !== undefined ? exception.cause : exception;
    const id = (request as IdentifiedRequest).requestId ?? '-';
    logger.error(`${id} ${request.method} ${request.path} → ${mapped.status} ${mapped.body.code}`, describe(cause));
  }
  if (response.headersSent) {
    response.end();
    return;
  }
  for (const [name, value] of Object.entries(mapped.headers)) response.setHeader(name, value);
  response.status(mapped.status).json(toProblem(mapped.status, mapped.body), PROBLEM_MEDIA_TYPE);
}

/** Catches everything: no stack trace, SQL or driver text ever reaches a response; causes go to the log. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const { req, res } = fromFastify(ctx.getRequest<FastifyRequest>(), ctx.getResponse<FastifyReply>());
    sendHttpError(exception, req, res, this.logger);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
