import { expect } from 'chai';
import { Transactional } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { Contract } from '../../src/entities/contract.entity';
import { User } from '../../src/entities/user.entity';
import { PushSubscription } from '../../src/entities/push-subscription.entity';
import { ContractService } from '../../src/services/contract.service';
import { PushSubscriptionService } from '../../src/services/push-subscription.service';
import { UserService } from '../../src/services/user.service';
import { describeEachDialect } from '../helpers/orm';
import { expectDomainError } from '../helpers/expect-error';
import { fcmEndpoint, pushKeys, uniqueName } from '../helpers/factories';

const person = (role: string) => {
  const username = uniqueName(role);
  return { username, email: `${username}@example.com`, role };
};

/** "Register a client and a freelancer and open their first contract": three service calls, one unit. */
async function onboard(em: EntityManager) {
  const users = new UserService(em);
  const client = await users.register(person('client'));
  const freelancer = await users.register(person('freelancer'));
  const contract = await new ContractService(em).create({ title: 'First job', clientId: client.id, freelancerId: freelancer.id, amount: '1000' });
  return { client, freelancer, contract };
}

class Boom extends Error {}

async function counts(em: EntityManager): Promise<{ users: number; contracts: number }> {
  const fresh = em.fork();
  return { users: await fresh.count(User, {}), contracts: await fresh.count(Contract, {}) };
}

/**
 * Services called with an EntityManager that is already in a transaction join it (REQUIRED): commit keeps
 * everything, a failure anywhere rolls everything back. On SQLite ':memory:' the ORM has a single
 * connection, so a service that opened its own top-level transaction would wait for its caller forever.
 */
describeEachDialect('services compose inside a caller transaction', (db) => {
  it('em.transactional(): three service calls commit together', async () => {
    const result = await db.em().transactional((em) => onboard(em as EntityManager));
    expect(await counts(db.em())).to.deep.equal({ users: 2, contracts: 1 });
    const stored = await db.em().findOneOrFail(Contract, result.contract.id);
    expect(stored.client.id).to.equal(result.client.id);
  });

  it('em.transactional(): a failure after the service calls rolls all of them back', async () => {
    let seen: { users: number; contracts: number } | undefined;
    try {
      await db.em().transactional(async (em) => {
        await onboard(em as EntityManager);
        // Inside the transaction the services' writes are visible through the same EntityManager ...
        seen = { users: await em.count(User, {}), contracts: await em.count(Contract, {}) };
        throw new Boom();
      });
      expect.fail('expected the transaction to fail');
    } catch (error) {
      expect(error).to.be.instanceOf(Boom);
    }
    expect(seen).to.deep.equal({ users: 2, contracts: 1 });
    // ... and none of them survive the caller's rollback.
    expect(await counts(db.em())).to.deep.equal({ users: 0, contracts: 0 });
  });

  it('a service error inside the caller transaction leaves the caller free to roll back everything', async () => {
    const em = db.em();
    await em.begin();
    const users = new UserService(em);
    const first = person('client');
    await users.register(first);
    await expectDomainError(users.register({ ...person('client'), username: first.username }), 'USER.USERNAME_TAKEN');
    await em.rollback();
    expect(await counts(db.em())).to.deep.equal({ users: 0, contracts: 0 });
  });

  it('em.begin()/commit(): the services join the fork they were given', async () => {
    const em = db.em();
    await em.begin();
    const { contract } = await onboard(em);
    // Reads join too: the caller's uncommitted contract is visible to the service.
    expect((await new ContractService(em).get(contract.id)).title).to.equal('First job');
    await em.commit();
    expect(await counts(db.em())).to.deep.equal({ users: 2, contracts: 1 });
  });

  it('em.begin()/rollback(): nothing the services wrote survives', async () => {
    const em = db.em();
    await em.begin();
    await onboard(em);
    await em.rollback();
    expect(await counts(db.em())).to.deep.equal({ users: 0, contracts: 0 });
  });

  it("@Transactional() on a host's method: services built on the ORM's EntityManager join it", async () => {
    // A host class as a NestJS app writes it: services injected with the ORM's (context-resolving) em.
    class Onboarding {
      readonly users: UserService;
      readonly contracts: ContractService;
      constructor(readonly em: EntityManager) {
        this.users = new UserService(em);
        this.contracts = new ContractService(em);
      }

      @Transactional()
      async run(fail: boolean): Promise<string> {
        const client = await this.users.register(person('client'));
        const freelancer = await this.users.register(person('freelancer'));
        const contract = await this.contracts.create({ title: 'Job', clientId: client.id, freelancerId: freelancer.id, amount: '5' });
        await this.contracts.transition(contract.id, { to: 'active', expectedVersion: contract.version });
        if (fail) throw new Boom();
        return contract.id;
      }
    }
    const host = new Onboarding(db.orm.em as EntityManager);
    try {
      await host.run(true);
      expect.fail('expected the host method to fail');
    } catch (error) {
      expect(error).to.be.instanceOf(Boom);
    }
    expect(await counts(db.em())).to.deep.equal({ users: 0, contracts: 0 });
    const id = await host.run(false);
    expect(await counts(db.em())).to.deep.equal({ users: 2, contracts: 1 });
    const stored = await db.em().findOneOrFail(Contract, id);
    expect([stored.status, stored.version]).to.deep.equal(['active', 2]);
  });

  it('nested services: a service operation called from inside another transaction that itself calls services', async () => {
    const outer = db.em();
    await outer.transactional(async (em) => {
      const { contract } = await onboard(em as EntityManager);
      await em.transactional(async (inner) => {
        // A nested em.transactional() (a savepoint by default) — the service joins the innermost transaction.
        await new ContractService(inner as EntityManager).transition(contract.id, { to: 'active', expectedVersion: 1 });
      });
      const push = new PushSubscriptionService(em as EntityManager);
      await push.subscribe(contract.client.id, { endpoint: fcmEndpoint(), keys: pushKeys() });
    });
    const em = db.em();
    expect(await counts(em)).to.deep.equal({ users: 2, contracts: 1 });
    expect(await em.count(PushSubscription, {})).to.equal(1);
    expect((await em.find(Contract, {})).map((c) => c.status)).to.deep.equal(['active']);
  });

  it('a read-only caller transaction refuses a service write up front: TX.READ_ONLY, nothing written', async () => {
    await db.em().transactional(
      async (em) => {
        await expectDomainError(new UserService(em as EntityManager).register(person('client')), 'TX.READ_ONLY');
      },
      { readOnly: true },
    );
    expect(await counts(db.em())).to.deep.equal({ users: 0, contracts: 0 });
  });

  it('the optimistic version check holds inside a joined transaction', async () => {
    const { contract } = await onboard(db.em());
    await db.em().transactional(async (em) => {
      const contracts = new ContractService(em as EntityManager);
      await contracts.transition(contract.id, { to: 'active', expectedVersion: 1 });
      // A stale version inside the same transaction is still a conflict, and the first change stands.
      await expectDomainError(contracts.transition(contract.id, { to: 'cancelled', expectedVersion: 1 }), 'CONTRACT.VERSION_CONFLICT');
    });
    const stored = await db.em().findOneOrFail(Contract, contract.id);
    expect([stored.status, stored.version]).to.deep.equal(['active', 2]);
  });
});

describeEachDialect(
  "a service given another EntityManager than the transaction's",
  (db) => {
    // Each behaviour belongs to one database: register it only in that database's copy of the suite.
    const postgresqlOnly = (title: string, fn: Mocha.AsyncFunc) => db.dialect === 'postgresql' && it(title, fn);
    const sqliteOnly = (title: string, fn: Mocha.AsyncFunc) => db.dialect === 'sqlite' && it(title, fn);

    postgresqlOnly('PostgreSQL: it runs its own transaction on another connection and commits independently', async function () {
      await db.em().transactional(async () => {
        await new UserService(db.em()).register(person('client'));
        throw new Boom();
      }).catch((error: unknown) => expect(error).to.be.instanceOf(Boom));
      expect(await counts(db.em())).to.deep.equal({ users: 1, contracts: 0 });
    });

    sqliteOnly("SQLite: a top-level transaction opened inside another (its own fork) fails at once with TX.NESTED_TOP_LEVEL", async function () {
    const started = Date.now();
    await db.em().transactional(async () => {
      // A different fork is not in the transaction: the service would open a second top-level one on the
      // single write connection its caller holds.
      await expectDomainError(new UserService(db.em()).register(person('client')), 'TX.NESTED_TOP_LEVEL');
    });
    expect(Date.now() - started).to.be.lessThan(1_000);
    expect(await counts(db.em())).to.deep.equal({ users: 0, contracts: 0 });
  });

  sqliteOnly('SQLite: em.begin() on one fork, a service on another: DB.WRITE_CONNECTION_TIMEOUT within the busy timeout, not a 60 s hang', async function () {
    this.timeout(20_000);
    const orm = await db.openAnother({ pool: { min: 1, max: 1, acquireTimeoutMillis: 2_000 } });
    const holder = orm.em.fork() as EntityManager;
    await holder.begin();
    const started = Date.now();
    try {
      await expectDomainError(new UserService(orm.em.fork() as EntityManager).register(person('client')), 'DB.WRITE_CONNECTION_TIMEOUT');
    } finally {
      await holder.rollback();
    }
    expect(Date.now() - started).to.be.within(1_500, 5_000);
    // The connection serves again once its holder is done.
    await new UserService(orm.em.fork() as EntityManager).register(person('client'));
    expect(await orm.em.fork().count(User, {})).to.equal(1);
  });
  },
  { sqliteFile: true },
);
