import type { IncomingMessage } from 'node:http';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { UserService } from 'contractdesk';
import type { AuthenticatedRequest } from '../http/caller';
import { soleAuthorization } from './authorization-header';
import type { TokenVerifier } from './token-verifier';

export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');
export const AUTH_USERS = Symbol('AUTH_USERS');

/**
 * Global guard, first in line: verifies the bearer token if one is sent and resolves its subject to a user.
 * It never refuses a request without a token (public routes stay public; the CallerId decorators decide
 * what each route needs), but a token that fails verification is 401 everywhere. The subject is looked up
 * on every request, so deleting a user revokes all of their tokens at once.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    @Inject(AUTH_USERS) private readonly users: UserService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest & { raw?: IncomingMessage }>();
    const header = soleAuthorization(request);
    if (header === undefined) return true;
    const { subject } = await this.verifier.verify(header);
    const user = await this.users.identifySubject(subject);
    request.identity = { subject, userId: user?.id };
    return true;
  }
}
