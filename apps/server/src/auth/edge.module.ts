import { type DynamicModule, type ExecutionContext, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { EntityManager } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/knex';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { UserService } from 'contractdesk';
import { type AuthenticatedRequest, identityOf } from '../http/caller';
import type { AppSettings } from '../settings';
import { AUTH_USERS, AuthGuard, TOKEN_VERIFIER } from './auth.guard';
import { TokenVerifier } from './token-verifier';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

// Fastify names the matched route's pattern in `routeOptions.url`; `/users` is UsersController's @Post().
function isRegistrationRequest(req: { method?: string; routeOptions?: { url?: string } }): boolean {
  return req.method === 'POST' && req.routeOptions?.url === '/users';
}

function isRegistration(context: ExecutionContext): boolean {
  return isRegistrationRequest(context.switchToHttp().getRequest());
}

/**
 * What sits in front of every route: token verification (first), then rate limiting. A separate module so
 * the application module stays a plain list of controllers and services; APP_GUARD providers apply
 * globally in the order they are declared here.
 *
 * One throttler with two budgets, keyed so every write route shares one counter per caller: registration
 * (per client address, since the caller has no user yet and a token per attempt is cheap to mint for whoever
 * controls an identity provider account) and writes (per verified subject). Reads are not limited here.
 */
@Module({})
export class EdgeModule {
  static register(settings: AppSettings): DynamicModule {
    const { windowSeconds, writes, registrations } = settings.throttle;
    const limitFor = (context: ExecutionContext) => (isRegistration(context) ? registrations : writes);
    return {
      module: EdgeModule,
      imports: [
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'default', ttl: windowSeconds * 1000, limit: limitFor }],
          skipIf: (context) => READS.has(context.switchToHttp().getRequest<AuthenticatedRequest>().method) || limitFor(context) === 0,
          getTracker: (req) => {
            const identity = identityOf(req as AuthenticatedRequest);
            return identity && !isRegistrationRequest(req) ? `subject:${identity.subject}` : `ip:${String(req.ip)}`;
          },
          // Fixed wording: Nest's default names the library.
          errorMessage: 'Too many requests; retry after the number of seconds in Retry-After',
          generateKey: (context, tracker) => `${isRegistration(context) ? 'register' : 'write'}|${tracker}`,
        }),
      ],
      providers: [
        { provide: TOKEN_VERIFIER, useValue: new TokenVerifier(settings.auth) },
        // Its own UserService on the ORM's EntityManager: like every service operation, its lookups fork or join by themselves.
        { provide: AUTH_USERS, useFactory: (em: EntityManager) => new UserService(em as SqlEntityManager), inject: [EntityManager] },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: ThrottlerGuard },
      ],
    };
  }
}
