import { expect } from 'chai';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MikroORM } from '@mikro-orm/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { createConfig } from '../../../../packages/contractdesk/src/config/orm-config';
import { DEFAULT_PUSH_POLICY } from '../../../../packages/contractdesk/src/domain/push-endpoint';
import { User } from '../../../../packages/contractdesk/src/entities/user.entity';
import { ContractDeskModule, CONTRACTDESK_OPTIONS, PUSH_ENDPOINT_POLICY, type ResolvedContractDeskOptions } from '../../../../packages/contractdesk/src/nest';
import { AccessService } from '../../../../packages/contractdesk/src/services/access.service';
import { ContractService } from '../../../../packages/contractdesk/src/services/contract.service';
import { PushSubscriptionService } from '../../../../packages/contractdesk/src/services/push-subscription.service';
import { UserService } from '../../../../packages/contractdesk/src/services/user.service';

const env = { DB_PATH: ':memory:', PUSH_ALLOWED_HOSTS: 'push.example.com' };
const silentMigrations = { migrations: { ...createConfig(env).migrations, silent: true } };

/** Boots a module as a host would (no HTTP), migrates, registers a user through the injected service. */
async function boot(root: new () => unknown) {
  const app = await NestFactory.createApplicationContext(root as never, { logger: false });
  try {
    const orm = app.get(MikroORM);
    await orm.migrator.up();
    for (const service of [UserService, ContractService, AccessService, PushSubscriptionService]) expect(app.get(service)).to.be.instanceOf(service);
    const user = await app.get(UserService).register({ username: 'host1', email: 'host1@example.com', role: 'client' });
    expect(await orm.em.fork().count(User, { id: user.id })).to.equal(1);
    return { policy: app.get(PUSH_ENDPOINT_POLICY), options: app.get<ResolvedContractDeskOptions>(CONTRACTDESK_OPTIONS) };
  } finally {
    await app.close();
  }
}

describe('ContractDeskModule', () => {
  it('forRoot: the services, the policy from env, and its own MikroORM', async () => {
    @Module({ imports: [ContractDeskModule.forRoot({ env, orm: silentMigrations })] })
    class Host {}
    const { policy, options } = await boot(Host);
    expect(policy.allowedHosts).to.include('push.example.com');
    expect(options.env).to.equal(env);
  });

  it('forRootAsync: options from an injected factory', async () => {
    const CONFIG = Symbol('config');
    @Module({ providers: [{ provide: CONFIG, useValue: env }], exports: [CONFIG] })
    class ConfigModule {}
    @Module({
      imports: [
        ContractDeskModule.forRootAsync({
          imports: [ConfigModule],
          inject: [CONFIG],
          useFactory: (e: typeof env) => ({ env: e, orm: silentMigrations, pushPolicy: DEFAULT_PUSH_POLICY }),
        }),
      ],
    })
    class Host {}
    const { policy } = await boot(Host);
    expect(policy).to.equal(DEFAULT_PUSH_POLICY);
  });

  it("registerOrm: false uses the host's own MikroOrmModule", async () => {
    @Module({
      imports: [
        MikroOrmModule.forRoot({ ...createConfig(env, silentMigrations), registerRequestContext: true }),
        ContractDeskModule.forRoot({ env, registerOrm: false }),
      ],
    })
    class Host {}
    await boot(Host);
  });
});
