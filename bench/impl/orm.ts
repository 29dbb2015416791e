import type { EntityManager } from '@mikro-orm/knex';
import { OptimisticLockError } from '@mikro-orm/core';
import type { ContractDeskOrm } from 'contractdesk';
import { Contract } from 'contractdesk';
import { User } from 'contractdesk';
import { ContractService } from 'contractdesk';
import { TransactionScope } from 'contractdesk';
import { DomainError } from 'contractdesk';
import { ContractStatus } from 'contractdesk';
import type { Dataset } from '../data';
import type { Impl, ReadResult } from './types';

/** Builds the entities of a dataset through their validating constructors (both ORM variants do this). */
function entitiesOf(data: Dataset): { users: User[]; contracts: Contract[] } {
  const users = new Map<string, User>();
  for (const u of data.users) {
    const user = new User({ username: u.username, email: u.email, role: u.role });
    user.id = u.id;
    user.createdAt = u.createdAt;
    users.set(u.id, user);
  }
  const contracts = data.contracts.map((c) => {
    const contract = new Contract({ title: c.title, client: users.get(c.clientId)!, freelancer: users.get(c.freelancerId)!, amount: c.amount });
    contract.id = c.id;
    contract.createdAt = c.createdAt;
    contract.updatedAt = c.createdAt;
    return contract;
  });
  return { users: [...users.values()], contracts };
}

class VersionMismatch extends Error {}

/** Idiomatic MikroORM 6 as the docs show it: a fork per request, findOne, entity methods, flush. */
export class PlainOrm implements Impl {
  readonly name = 'plain' as const;

  constructor(readonly orm: ContractDeskOrm) {}

  async w1(data: Dataset): Promise<void> {
    const { users, contracts } = entitiesOf(data);
    // transactional() flushes before it commits, so one persist call per list is the whole job (as MikroORM's
    // docs write it); an explicit flush here would run change detection over all 10,200 entities twice.
    await this.orm.em.fork().transactional(async (em) => {
      em.persist(users);
      em.persist(contracts);
    });
  }

  async w2(ids: string[]): Promise<ReadResult[]> {
    const out: ReadResult[] = [];
    for (const id of ids) out.push((await this.orm.em.fork().findOne(Contract, { id }))!);
    return out;
  }

  async transition(id: string): Promise<number | 'conflict'> {
    try {
      return await this.orm.em.fork().transactional(async (em) => {
        const contract = await em.findOneOrFail(Contract, { id });
        if (contract.version !== 1) throw new VersionMismatch();
        contract.transitionTo(ContractStatus.Active);
        await em.flush();
        return contract.version;
      });
    } catch (error) {
      if (error instanceof VersionMismatch || error instanceof OptimisticLockError) return 'conflict';
      throw error;
    }
  }

  /** W6: MikroORM's idiomatic unit of work: one transactional() that loads both, changes them, and flushes at commit. */
  async transitionPair(a: string, b: string): Promise<[number, number]> {
    const [ca, cb] = await this.orm.em.fork().transactional(async (em) => {
      const pair = [await em.findOneOrFail(Contract, { id: a }), await em.findOneOrFail(Contract, { id: b })];
      for (const contract of pair) {
        if (contract.version !== 1) throw new Error(`W6 conflict on ${contract.id}`);
        contract.transitionTo(ContractStatus.Active);
      }
      return pair;
    });
    return [ca.version, cb.version];
  }

  async list(clientId: string, limit: number): Promise<string[]> {
    const rows = await this.orm.em.fork().find(Contract, { client: clientId }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit });
    return rows.map((c) => c.id);
  }

  async close(): Promise<void> {
    await this.orm.close();
  }
}

const ENTITY_READS = process.env.BENCH_SERVICES_READS === 'entities';

/**
 * Our services, one long-lived ContractService per process as an app would hold it. W1 has no service
 * of its own (services create one contract per transaction), so it goes through the same TransactionScope
 * the services use, with the same validating entity constructors.
 */
export class ServicesImpl implements Impl {
  readonly contracts: ContractService;
  private readonly uow: TransactionScope;

  /** `services-stock`: the same code on an ORM a host configured (bench/context.ts builds it). */
  constructor(
    readonly orm: ContractDeskOrm,
    readonly name: 'services' | 'services-stock' = 'services',
  ) {
    this.contracts = new ContractService(orm.em as EntityManager);
    this.uow = new TransactionScope(orm.em as EntityManager);
  }

  async w1(data: Dataset): Promise<void> {
    const { users, contracts } = entitiesOf(data);
    // write() flushes before it commits, like transactional().
    await this.uow.write(async (em) => {
      em.persist(users);
      em.persist(contracts);
    });
  }

  /**
   * W2 and W4 read what the HTTP app's GETs read: read models (`view`, `listViewsForClient`). With
   * BENCH_SERVICES_READS=entities, the entity-returning `get` and `listForClient` instead, to compare the two.
   */
  async w2(ids: string[]): Promise<ReadResult[]> {
    const out: ReadResult[] = [];
    if (ENTITY_READS) for (const id of ids) out.push(await this.contracts.get(id));
    else for (const id of ids) out.push(await this.contracts.view(id));
    return out;
  }

  async transition(id: string): Promise<number | 'conflict'> {
    try {
      return (await this.contracts.transition(id, { to: 'active', expectedVersion: 1 })).version;
    } catch (error) {
      if (error instanceof DomainError && error.code === 'CONTRACT.VERSION_CONFLICT') return 'conflict';
      throw error;
    }
  }

  /**
   * W6: a host's transaction around two service calls. The services get the caller's transactional
   * EntityManager and join its transaction (REQUIRED): no transaction, connection or commit of their own.
   */
  async transitionPair(a: string, b: string): Promise<[number, number]> {
    return this.orm.em.fork().transactional(async (em) => {
      const contracts = new ContractService(em as EntityManager);
      const ca = await contracts.transition(a, { to: 'active', expectedVersion: 1 });
      const cb = await contracts.transition(b, { to: 'active', expectedVersion: 1 });
      return [ca.version, cb.version] as [number, number];
    });
  }

  async list(clientId: string, limit: number): Promise<string[]> {
    if (ENTITY_READS) return (await this.contracts.listForClient(clientId, { limit })).map((c) => c.id);
    return (await this.contracts.listViewsForClient(clientId, { limit })).map((c) => c.id);
  }

  async close(): Promise<void> {
    await this.orm.close();
  }
}
