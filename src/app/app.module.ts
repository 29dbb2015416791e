import { type DynamicModule, Module } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/knex';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { createConfig } from '../config/orm-config';
import { AccessService } from '../services/access.service';
import { ContractService } from '../services/contract.service';
import { PushSubscriptionService } from '../services/push-subscription.service';
import { UserService } from '../services/user.service';
import { AccessPolicy } from './access-policy';
import { GracefulShutdown } from './graceful-shutdown';
import { ContractsController } from './controllers/contracts.controller';
import { HealthController } from './controllers/health.controller';
import { PushSubscriptionsController } from './controllers/push-subscriptions.controller';
import { RolesController } from './controllers/roles.controller';
import { UserAccessController } from './controllers/user-access.controller';
import { UsersController } from './controllers/users.controller';
import type { AppSettings } from './settings';
import { APP_SETTINGS } from './tokens';

/**
 * The services receive the module's EntityManager. It is the ORM's global `em`, which resolves to the
 * current request's fork: `registerRequestContext` wraps every request in `RequestContext.create`, and
 * `allowGlobalContext: false` makes any use outside a request fail loudly instead of sharing state.
 * The services then fork once more per operation (TransactionScope), so no decision reads a stale identity map.
 */
function service<T>(type: new (em: SqlEntityManager) => T) {
  return { provide: type, useFactory: (em: EntityManager) => new type(em as SqlEntityManager), inject: [EntityManager] };
}

@Module({})
export class AppModule {
  static register(settings: AppSettings): DynamicModule {
    return {
      module: AppModule,
      imports: [
        MikroOrmModule.forRootAsync({
          useFactory: () => ({ ...createConfig(settings.env), registerRequestContext: true }),
        }),
      ],
      controllers: [HealthController, UsersController, UserAccessController, ContractsController, RolesController, PushSubscriptionsController],
      providers: [
        { provide: APP_SETTINGS, useValue: settings },
        GracefulShutdown,
        service(UserService),
        service(ContractService),
        service(AccessService),
        {
          provide: PushSubscriptionService,
          useFactory: (em: EntityManager, s: AppSettings) => new PushSubscriptionService(em as SqlEntityManager, s.pushPolicy),
          inject: [EntityManager, APP_SETTINGS],
        },
        {
          provide: AccessPolicy,
          useFactory: (access: AccessService, s: AppSettings) => new AccessPolicy(access, s),
          inject: [AccessService, APP_SETTINGS],
        },
      ],
    };
  }
}
