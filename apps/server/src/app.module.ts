import { type DynamicModule, Module } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { ContractDeskModule } from 'contractdesk/nest';
import { AccessService } from 'contractdesk';
import type { Options } from '@mikro-orm/core';
import { AccessPolicy } from './access-policy';
import { GracefulShutdown } from './graceful-shutdown';
import { ContractsController } from './controllers/contracts.controller';
import { HealthController } from './controllers/health.controller';
import { PushSubscriptionsController } from './controllers/push-subscriptions.controller';
import { RolesController } from './controllers/roles.controller';
import { UserAccessController } from './controllers/user-access.controller';
import { UsersController } from './controllers/users.controller';
import { DtoValidationPipe } from './dto/validation-pipe';
import type { AppSettings } from './settings';
import { APP_SETTINGS } from './tokens';

/**
 * ContractDesk's own HTTP host: the same ContractDeskModule a host application imports (the services, the
 * push-endpoint policy, MikroORM), plus the controllers and the access policy.
 */
@Module({})
export class AppModule {
  static register(settings: AppSettings, orm: Partial<Options> = {}): DynamicModule {
    return {
      module: AppModule,
      // No request context: the app reaches the database only through the services, and each of their operations
      // forks (or joins a transaction) by itself, so requests stay isolated without paying for a fork per request
      // (and the middleware that opens it) that no route uses.
      imports: [ContractDeskModule.forRoot({ env: settings.env, pushPolicy: settings.pushPolicy, orm, requestContext: false })],
      controllers: [HealthController, UsersController, UserAccessController, ContractsController, RolesController, PushSubscriptionsController],
      providers: [
        { provide: APP_SETTINGS, useValue: settings },
        // Every body and query DTO is checked at the edge with the project's error codes.
        { provide: APP_PIPE, useClass: DtoValidationPipe },
        GracefulShutdown,
        {
          provide: AccessPolicy,
          useFactory: (access: AccessService, s: AppSettings) => new AccessPolicy(access, s),
          inject: [AccessService, APP_SETTINGS],
        },
      ],
    };
  }
}
