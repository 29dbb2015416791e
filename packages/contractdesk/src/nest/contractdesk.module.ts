import { type DynamicModule, type InjectionToken, Module, type ModuleMetadata, type OptionalFactoryDependency, type Provider } from '@nestjs/common';
import { EntityManager, MikroORM, type Options } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/knex';
import { MikroOrmModule, type MikroOrmModuleOptions, getEntityManagerToken, getMikroORMToken } from '@mikro-orm/nestjs';
import type { Env } from '../config/backend';
import { createConfig } from '../config/orm-config';
import { contractDeskEntities } from '../entities';
import { assertContractDeskReady } from '../guest/readiness';
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
  /**
   * With `registerOrm`: open MikroORM's request context (an EntityManager fork) for every request. Default true,
   * for hosts whose own code uses the injected EntityManager. A host that reaches the database only through the
   * services can turn it off: each service operation forks (or joins a transaction) by itself, so requests
   * still never share an identity map, and a request then pays for no fork it does not use.
   */
  requestContext?: boolean;
  /** Make the services injectable everywhere without importing this module again. Default false. */
  isGlobal?: boolean;
}

export interface ContractDeskModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Nest's FactoryProvider contract: the host's factory takes its `inject` values, typed as the host likes
  useFactory: (...args: any[]) => Promise<Omit<ContractDeskModuleOptions, 'registerOrm' | 'isGlobal' | 'requestContext'>> | Omit<ContractDeskModuleOptions, 'registerOrm' | 'isGlobal' | 'requestContext'>;
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

/** MikroORM's configuration for the module: ContractDesk's, a request context per request unless turned off. */
function ormOptions(options: ResolvedContractDeskOptions, requestContext = true): MikroOrmModuleOptions {
  return { ...createConfig(options.env, options.orm), registerRequestContext: requestContext };
}

/**
 * The services receive the ORM's EntityManager: the global one, which resolves to the current context's fork —
 * the request's (MikroOrmModule's request context), or the transaction's inside `em.transactional()` and
 * `@Transactional()`. So a service call made inside a host's transaction joins it, and two requests never share an
 * identity map. Outside any context, a service still works (each operation forks), so it can run in jobs and CLIs.
 */
function serviceProviders(emToken: InjectionToken = EntityManager, ready: InjectionToken[] = []): Provider[] {
  const inject = [emToken, ...ready];
  return [
    { provide: UserService, useFactory: (em: EntityManager) => new UserService(em as SqlEntityManager), inject },
    { provide: ContractService, useFactory: (em: EntityManager) => new ContractService(em as SqlEntityManager), inject },
    { provide: AccessService, useFactory: (em: EntityManager) => new AccessService(em as SqlEntityManager), inject },
    {
      provide: PushSubscriptionService,
      useFactory: (em: EntityManager, policy: PushEndpointPolicy) => new PushSubscriptionService(em as SqlEntityManager, policy),
      inject: [emToken, PUSH_ENDPOINT_POLICY, ...ready],
    },
    { provide: PUSH_ENDPOINT_POLICY, useFactory: (o: ResolvedContractDeskOptions) => o.pushPolicy, inject: [CONTRACTDESK_OPTIONS] },
  ];
}

const SERVICE_PROVIDERS = serviceProviders();

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
export interface ContractDeskFeatureOptions {
  /** The host's MikroOrmModule context (`contextName` of its forRoot); default: its unnamed one. */
  contextName?: string;
  /** The Web Push endpoint policy. Default: the built-in push services plus PUSH_ALLOWED_HOSTS from `env`. */
  pushPolicy?: PushEndpointPolicy;
  /** Where PUSH_ALLOWED_HOSTS is read from (nothing else is). Default: process.env. */
  env?: Env;
  /** Make the services injectable everywhere without importing this module again. Default false. */
  isGlobal?: boolean;
}

/** Resolves once the host's ORM is up and fit for ContractDesk (guest/readiness.ts); the services wait for it. */
const CONTRACTDESK_READY = Symbol('CONTRACTDESK_READY');

@Module({})
export class ContractDeskModule {
  /**
   * ContractDesk inside a host's own MikroORM (its `MikroOrmModule.forRoot`, its config, its driver): the services on
   * the host's EntityManager for `contextName`, so they join the host's request context and transactions. The
   * entities are registered with MikroOrmModule.forFeature, which a host with `autoLoadEntities: true` picks up
   * (otherwise it lists `...contractDeskEntities` itself). ContractDesk reads no DATABASE_URL or DB_PATH here and
   * opens nothing; at start-up it refuses an ORM it cannot keep its guarantees on (CONFIG.* errors, see
   * assertContractDeskReady). Migrations: `migrateContractDesk(orm)`.
   */
  static forFeature(options: ContractDeskFeatureOptions = {}): DynamicModule {
    const { contextName } = options;
    const env = options.env ?? process.env;
    const resolved: ResolvedContractDeskOptions = { env, orm: {}, pushPolicy: options.pushPolicy ?? pushPolicyFromEnv(env) };
    const ormToken = contextName ? getMikroORMToken(contextName) : MikroORM;
    return {
      module: ContractDeskModule,
      global: options.isGlobal ?? false,
      imports: [MikroOrmModule.forFeature([...contractDeskEntities], contextName)],
      providers: [
        { provide: CONTRACTDESK_OPTIONS, useValue: resolved },
        { provide: CONTRACTDESK_READY, useFactory: (orm: MikroORM) => (assertContractDeskReady(orm), true), inject: [ormToken] },
        ...serviceProviders(contextName ? getEntityManagerToken(contextName) : EntityManager, [CONTRACTDESK_READY]),
      ],
      exports: [...SERVICES, CONTRACTDESK_OPTIONS],
    };
  }

  static forRoot(options: ContractDeskModuleOptions = {}): DynamicModule {
    const resolved = resolve(options);
    return {
      module: ContractDeskModule,
      global: options.isGlobal ?? false,
      imports: options.registerOrm === false ? [] : [MikroOrmModule.forRoot(ormOptions(resolved, options.requestContext))],
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
              driver: (require('../db/sqlite-driver') as typeof import('../db/sqlite-driver')).ContractDeskSqliteDriver,
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
