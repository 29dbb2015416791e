import { ApiExtension } from '@nestjs/swagger';

/**
 * The error answers of each route, declared next to the route as `status → codes`. buildOpenApiDocument turns
 * them into responses (a ProblemDetails whose `code` is an enum of exactly these) and adds the answers every route
 * can give from the edge (token verification, body parsing, rate limits, the database).
 */
export const ERROR_CODES_EXTENSION = 'x-error-codes';

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 422 | 503;
export type ErrorCodes = Partial<Record<ErrorStatus, readonly string[]>>;

export const ApiErrors = (...groups: ErrorCodes[]) => ApiExtension(ERROR_CODES_EXTENSION, mergeCodes(groups));

export function mergeCodes(groups: readonly ErrorCodes[]): Record<string, string[]> {
  const merged: Record<string, string[]> = {};
  for (const group of groups) {
    for (const [status, codes] of Object.entries(group)) {
      merged[status] = [...new Set([...(merged[status] ?? []), ...(codes as string[])])];
    }
  }
  return merged;
}

// Groups the routes combine: what a check in src/domain or the services can answer.
const TEXT = ['VALIDATION.TYPE', 'VALIDATION.ENCODING', 'VALIDATION.CONTROL_CHARACTER', 'VALIDATION.REQUIRED', 'VALIDATION.TOO_SHORT', 'VALIDATION.TOO_LONG'];
const INTEGER = ['VALIDATION.NOT_AN_INTEGER', 'VALIDATION.OUT_OF_RANGE'];
const AMOUNT = ['VALIDATION.INVALID_AMOUNT', 'VALIDATION.NEGATIVE_AMOUNT', 'VALIDATION.AMOUNT_TOO_LARGE', 'VALIDATION.UNSAFE_NUMBER'];

export const E = {
  /** CallerId: no token, or a subject with no user. */
  caller: { 401: ['AUTH.REQUIRED', 'AUTH.NOT_REGISTERED'], 403: ['AUTH.FORBIDDEN'] },
  /** CallerSubject: a token is needed, registered or not. */
  subject: { 401: ['AUTH.REQUIRED'] },
  body: { 400: ['REQUEST.BODY_NOT_OBJECT'] },
  id: { 400: ['VALIDATION.INVALID_UUID'] },
  text: { 400: TEXT },
  integer: { 400: INTEGER },
  amount: { 400: AMOUNT },
  value: { 400: ['VALIDATION.INVALID_VALUE'] },
  list: { 400: ['VALIDATION.NOT_AN_INTEGER', 'VALIDATION.OUT_OF_RANGE'] },
  version: { 400: ['VALIDATION.VERSION_REQUIRED', 'VALIDATION.VERSION_MISMATCH', 'VALIDATION.INVALID_IF_MATCH', ...INTEGER], 409: ['CONTRACT.VERSION_CONFLICT'] },
  permission: { 400: [...TEXT, 'VALIDATION.INVALID_PERMISSION'] },
  user: { 404: ['USER.NOT_FOUND'] },
  contract: { 404: ['CONTRACT.NOT_FOUND'] },
  role: { 404: ['ROLE.NOT_FOUND'] },
} satisfies Record<string, ErrorCodes>;

/** What any route can answer before or around its handler. */
export const EDGE_ERRORS: Record<string, readonly string[]> = {
  400: ['REQUEST.MALFORMED_JSON', 'REQUEST.INVALID_BODY', 'REQUEST.UNDECODABLE_BODY', 'REQUEST.TOO_DEEP'],
  401: ['AUTH.INVALID_TOKEN', 'AUTH.EXPIRED'],
  413: ['REQUEST.TOO_LARGE'],
  415: ['REQUEST.UNSUPPORTED_MEDIA_TYPE', 'REQUEST.UNSUPPORTED_ENCODING', 'REQUEST.UNSUPPORTED_CHARSET'],
  500: ['INTERNAL'],
  // The guard looks the token's subject up, so even /health can meet the database.
  503: ['AUTH.KEYS_UNAVAILABLE', 'DB.UNAVAILABLE', 'DB.CONTENTION', 'DB.WRITE_CONNECTION_TIMEOUT'],
};

/** Writes are rate limited (src/app/auth/edge.module.ts); reads are not. */
export const WRITE_ERRORS: Record<string, readonly string[]> = { 429: ['HTTP.TOO_MANY_REQUESTS'] };

export const STATUS_TEXT: Record<string, string> = {
  400: 'Invalid request',
  401: 'No usable identity',
  403: 'Not allowed',
  404: 'No such record',
  409: 'Collides with the current state',
  413: 'Body over 64 kB',
  415: 'Not a JSON body',
  422: 'A business rule refuses',
  429: 'Rate limit reached; see Retry-After',
  500: 'Unexpected failure (logged with the request id)',
  503: 'Unavailable or busy; retry after Retry-After',
};
