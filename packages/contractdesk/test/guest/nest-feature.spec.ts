import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EntityManager, MikroORM, ReflectMetadataProvider } from '@mikro-orm/core';
import { MikroOrmModule, getEntityManagerToken, getMikroORMToken } from '@mikro-orm/nestjs';
import { ContractDeskSqliteDriver } from '../../src/db/sqlite-driver';
import { User as CdUser, contractDeskTables } from '../../src/entities';
import { migrateContractDesk } from '../../src/guest/migrations';
import { ContractDeskModule } from '../../src/nest';
import { UserService } from '../../src/services/user.service';
import { uniqueName } from '../helpers/factories';
import { HOST_ENTITIES, User as HostUser } from './host-entities';

/** ContractDeskModule.forFeature on a host's own MikroOrmModule, under a named context. */
describe('ContractDeskModule.forFeature on the host ORM', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'contractdesk-test-feature-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const hostOrm = (file: string, autoLoadEntities: boolean) =>
    MikroOrmModule.forRoot({
      contextName: 'host',
      driver: ContractDeskSqliteDriver,
      dbName: join(dir, file),
      entities: HOST_ENTITIES,
      // @mikro-orm/nestjs's autoLoadEntities appends to `entitiesTs` too, which ts-node runs (these tests) prefer.
      entitiesTs: HOST_ENTITIES,
      autoLoadEntities,
      metadataProvider: ReflectMetadataProvider,
      registerRequestContext: false,
      schemaGenerator: { skipTables: [...contractDeskTables] },
    });

  it("serves the four services on the host's named context; they join the host's transaction", async () => {
    @Module({ imports: [hostOrm('named.sqlite3', true), ContractDeskModule.forFeature({ contextName: 'host' })] })
    class Host {}
    const app = await NestFactory.createApplicationContext(Host, { logger: false });
    try {
      const orm = app.get<MikroORM>(getMikroORMToken('host'));
      await orm.schema.createSchema(); // the host's own tables (ContractDesk's are created by its migrations below)
      await migrateContractDesk(orm);
      const users = app.get(UserService);
      const em = app.get<EntityManager>(getEntityManagerToken('host'));
      const tag = uniqueName('nest');

      await em
        .fork()
        .transactional(async (tx) => {
          tx.persist(tx.create(HostUser, { name: tag }));
          // The injected service runs on the host's context, so inside the host's transaction it joins it.
          await users.register({ username: `${tag}r`, email: `${tag}r@example.com`, role: 'client' });
          throw new Error('rollback');
        })
        .catch(() => undefined);
      const kept = await users.register({ username: `${tag}k`, email: `${tag}k@example.com`, role: 'client' });

      const check = orm.em.fork();
      expect(await check.count(HostUser, { name: tag })).to.equal(0);
      expect(await check.count(CdUser, { username: `${tag}r` })).to.equal(0);
      expect(await check.count(CdUser, { id: kept.id })).to.equal(1);
    } finally {
      await app.close();
    }
  });

  it("refuses to start when the host's ORM lacks ContractDesk's entities (no autoLoadEntities, not listed)", async () => {
    @Module({ imports: [hostOrm('missing.sqlite3', false), ContractDeskModule.forFeature({ contextName: 'host' })] })
    class Host {}
    const error = await NestFactory.createApplicationContext(Host, { logger: false, abortOnError: false }).then(
      async (app) => {
        await app.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).to.have.property('code', 'CONFIG.ENTITIES_NOT_REGISTERED');
  });
});
