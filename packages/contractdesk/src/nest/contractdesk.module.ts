import { type DynamicModule, type InjectionToken, Module, type ModuleMetadata, type OptionalFactoryDependency, type Provider } from '@nestjs/common';
import { EntityManager, type Options } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/knex';
import { MikroOrmModule, type MikroOrmModuleOptions } from '@mikro-orm/nestjs';
import type { Env } from '../config/backend';
import { createConfig } from '../config/orm-config';
import { ContractDeskSqliteDriver } from '../db/sqlite-driver';
import { type PushEndpointPolicy, pushPolicyFromEnv } from '../domain/push-endpoint';
import { AccessService } from '../services/access.service';
import { ContractService } from '../services/contract.service';
import { PushSubscriptionService } from '../services/push-subscription.service';
import { UserService } from '../services/user.service';

export interface ContractDeskModuleOptions {
  /** Where DATABASE_URL, DB_PATH, PUSH_ALLOWED_HOSTS… are read from. Default: process.env. */
  env?: Env;
  /** MikroORM options laid over ContractDesk's own (createConfig): logging, pool size, a host's extra entities… */
  orm?: Partial<Options>;
  /** The Web Push endpoint policy. Default: the built-in push services plus PUSH_ALLOWED_HOSTS from `env`. */
  pushPolicy?: PushEndpointPolicy;
  /**
   * true (default): this module registers MikroOrmModule with ContractDesk's configuration and a request context
   * per request. false: the host registered MikroOrmModule.forRoot itself, from `createConfig()` (its driver and
   * entities are ContractDesk's; add the host's entities with the second argument).
   */
  registerOrm?: boolean;
  /** Make the services injectable everywhere without importing this module again. Default false. */
  isGlobal?: boolean;
}

export interface ContractDeskModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Nest's FactoryProvider contract: the host's factory takes its `inject` values, typed as the host likes
  useFactory: (...args: any[]) => Promise<Omit<ContractDeskModuleOptions, 'registerOrm' | 'isGlobal'>> | Omit<ContractDeskModuleOptions, 'registerOrm' | 'isGlobal'>;
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  registerOrm?: boolean;
  isGlobal?: boolean;
}

/** The resolved options (env and push policy filled in). */
export const CONTRACTDESK_OPTIONS = Symbol('CONTRACTDESK_OPTIONS');
/** The Web Push endpoint policy the PushSubscriptionService enforces. */
export const PUSH_ENDPOINT_POLICY = Symbol('PUSH_ENDPOINT_POLICY');

export interface ResolvedContractDeskOptions {
  env: Env;
  orm: Partial<Options>;
  pushPolicy: PushEndpointPolicy;
}

function resolve(options: Omit<ContractDeskModuleOptions, 'registerOrm' | 'isGlobal'>): ResolvedContractDeskOptions {
  const env = options.env ?? process.env;
  return { env, orm: options.orm ?? {}, pushPolicy: options.pushPolicy ?? pushPolicyFromEnv(env) };
}

/** MikroORM's configuration for the module: ContractDesk's, a request context per request. */
function ormOptions(options: ResolvedContractDeskOptions): MikroOrmModuleOptions {
  return { ...createConfig(options.env, options.orm), registerRequestContext: true };
}

/**
 * The services receive the ORM's EntityManager: the global one, which resolves to the current context's fork —
 * the request's (MikroOrmModule's request context), or the transaction's inside `em.transactional()` and
 * `@Transactional()`. So a service call made inside a host's transaction joins it, and two requests never share an
 * identity map. Outside any context, a service still works (each operation forks), so it can run in jobs and CLIs.
 */
const SERVICE_PROVIDERS: Provider[] = [
  { provide: UserService, useFactory: (em: EntityManager) => new UserService(em as SqlEntityManager), inject: [EntityManager] },
  { provide: ContractService, useFactory: (em: EntityManager) => new ContractService(em as SqlEntityManager), inject: [EntityManager] },
  { provide: AccessService, useFactory: (em: EntityManager) => new AccessService(em as SqlEntityManager), inject: [EntityManager] },
  {
    provide: PushSubscriptionService,
    useFactory: (em: EntityManager, policy: PushEndpointPolicy) => new PushSubscriptionService(em as SqlEntityManager, policy),
    inject: [EntityManager, PUSH_ENDPOINT_POLICY],
  },
  { provide: PUSH_ENDPOINT_POLICY, useFactory: (o: ResolvedContractDeskOptions) => o.pushPolicy, inject: [CONTRACTDESK_OPTIONS] },
];

const SERVICES = [UserService, ContractService, AccessService, PushSubscriptionService, PUSH_ENDPOINT_POLICY];

/** Holds the resolved options, so MikroOrmModule's async factory and the services read the same ones. */
@Module({})
class ContractDeskOptionsModule {}

/**
 * ContractDesk for a NestJS host: the four services, the push-endpoint policy and the settings as providers.
 *
 *   @Module({ imports: [ContractDeskModule.forRoot({ env: process.env })] })
 *   export class AppModule {}
 *
 * See docs/embedding.md for composition inside a host's transaction and what each mode guarantees.
 */
@Module({})
export class ContractDeskModule {
  static forRoot(options: ContractDeskModuleOptions = {}): DynamicModule {
    const resolved = resolve(options);
    return {
      module: ContractDeskModule,
      global: options.isGlobal ?? false,
      imports: options.registerOrm === false ? [] : [MikroOrmModule.forRoot(ormOptions(resolved))],
      providers: [{ provide: CONTRACTDESK_OPTIONS, useValue: resolved }, ...SERVICE_PROVIDERS],
      exports: [...SERVICES, CONTRACTDESK_OPTIONS],
    };
  }

  static forRootAsync(options: ContractDeskModuleAsyncOptions): DynamicModule {
    const optionsModule: DynamicModule = {
      module: ContractDeskOptionsModule,
      imports: options.imports ?? [],
      providers: [
        {
          provide: CONTRACTDESK_OPTIONS,
          useFactory: async (...args: unknown[]) => resolve(await options.useFactory(...args)),
          inject: options.inject ?? [],
        },
      ],
      exports: [CONTRACTDESK_OPTIONS],
    };
    const orm =
      options.registerOrm === false
        ? []
        : [
            MikroOrmModule.forRootAsync({
              imports: [optionsModule],
              inject: [CONTRACTDESK_OPTIONS],
              useFactory: ormOptions,
              // Only tells the module which EntityManager class to offer as a token before the factory runs; both of
              // ContractDesk's drivers (chosen at run time from env) use knex's SqlEntityManager.
              driver: ContractDeskSqliteDriver,
            }),
          ];
    return {
      module: ContractDeskModule,
      global: options.isGlobal ?? false,
      imports: [optionsModule, ...orm],
      providers: SERVICE_PROVIDERS,
      // The options provider lives in optionsModule; re-exporting the module re-exports it.
      exports: [...SERVICES, optionsModule],
    };
  }
}
