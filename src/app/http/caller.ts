import { type ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { HttpRequest as Request } from './http-types';
import { AuthRequiredError } from './auth-errors';

/**
 * STAND-IN FOR REAL AUTHENTICATION. The caller is whoever the `X-User-Id` header names; nothing proves it.
 * Put this service behind a gateway that authenticates users and sets the header (and strips any value
 * sent by clients), or replace this decorator with one that verifies a session or token.
 */
export const CALLER_HEADER = 'x-user-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function callerFrom(request: Request): string {
  const raw = request.headers[CALLER_HEADER];
  if (raw === undefined || raw === '') throw AuthRequiredError.missing();
  if (typeof raw !== 'string' || !UUID.test(raw.trim())) throw AuthRequiredError.malformed();
  return raw.trim().toLowerCase();
}

/** The identified caller's user id; 401 when the header is missing or not a UUID. */
export const CallerId = createParamDecorator((_data: unknown, ctx: ExecutionContext): string =>
  callerFrom(ctx.switchToHttp().getRequest<Request>()),
);

/** The caller if one is named, else undefined; a malformed header is still a 401 rather than silently anonymous. */
export const OptionalCallerId = createParamDecorator((_data: unknown, ctx: ExecutionContext): string | undefined => {
  const request = ctx.switchToHttp().getRequest<Request>();
  const raw = request.headers[CALLER_HEADER];
  return raw === undefined || raw === '' ? undefined : callerFrom(request);
});
