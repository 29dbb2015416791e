import { type ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { HttpRequest } from './http-types';
import { AuthRequiredError } from './auth-errors';

/**
 * What the AuthGuard (auth/auth.guard.ts) found on a request: absent when no Authorization header was sent,
 * otherwise a verified subject and, when that subject is registered, its user id. Invalid tokens never get
 * here: the guard answers 401 first, on every route, so a bad token is never treated as anonymous.
 */
export interface RequestIdentity {
  subject: string;
  userId?: string;
}

export interface AuthenticatedRequest extends HttpRequest {
  identity?: RequestIdentity;
}

export function identityOf(request: HttpRequest): RequestIdentity | undefined {
  return (request as AuthenticatedRequest).identity;
}

function request(ctx: ExecutionContext): HttpRequest {
  return ctx.switchToHttp().getRequest<HttpRequest>();
}

/** The caller's user id; 401 AUTH.REQUIRED without a token, AUTH.NOT_REGISTERED for a subject with no user. */
export const CallerId = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => {
  const identity = identityOf(request(ctx));
  if (!identity) throw AuthRequiredError.missing();
  if (!identity.userId) throw AuthRequiredError.notRegistered();
  return identity.userId;
});

/** The caller's user id if a registered caller sent a token, else undefined (public reads). */
export const OptionalCallerId = createParamDecorator((_data: unknown, ctx: ExecutionContext): string | undefined => identityOf(request(ctx))?.userId);

/** The verified subject, registered or not (registration binds it); 401 AUTH.REQUIRED without a token. */
export const CallerSubject = createParamDecorator((_data: unknown, ctx: ExecutionContext): RequestIdentity => {
  const identity = identityOf(request(ctx));
  if (!identity) throw AuthRequiredError.missing();
  return identity;
});
