import type { EntityManager } from '@mikro-orm/knex';
import { AccessService, Contract, type ContractStatus, ContractService, type User, UserService } from 'contractdesk';
import { DEMO_CONTRACTS, DEMO_ROLE, DEMO_USERS, type DemoUser } from './demo-data';

export interface SeededUser {
  key: DemoUser['key'];
  id: string;
  username: string;
  /** The token subject the user is registered with. */
  subject: string;
}

export interface SeededContract {
  id: string;
  title: string;
  status: ContractStatus;
}

export interface SeedReport {
  users: SeededUser[];
  contracts: SeededContract[];
  role: { id: string; name: string; permissions: string[] };
  /** What this run wrote, one line each ("user demo-client", "contract … → active"); empty when nothing was missing. */
  changes: string[];
}

/**
 * Writes whatever part of the demo data is missing, through the library's services, in one transaction that the
 * services join: a refusal half-way (a username someone else took, say) leaves the database as it was. Rows that
 * exist are left alone, even if someone has changed them since, so a second run changes nothing.
 */
export async function seedDemoData(rootEm: EntityManager): Promise<SeedReport> {
  return rootEm.fork().transactional(async (em) => {
    const users = new UserService(em);
    const contracts = new ContractService(em);
    const access = new AccessService(em);
    const changes: string[] = [];

    const seededUsers: SeededUser[] = [];
    const byKey = new Map<DemoUser['key'], User>();
    for (const demo of DEMO_USERS) {
      let user = await users.findBySubject(demo.username);
      if (!user) {
        user = await users.register({ username: demo.username, email: demo.email, role: demo.role }, demo.username);
        changes.push(`user ${demo.username}`);
      }
      byKey.set(demo.key, user);
      seededUsers.push({ key: demo.key, id: user.id, username: user.username, subject: demo.username });
    }

    let role = (await access.listRoles()).find((r) => r.name === DEMO_ROLE.name);
    if (!role) {
      role = await access.createRole({ name: DEMO_ROLE.name, description: DEMO_ROLE.description, priority: DEMO_ROLE.priority });
      changes.push(`role ${DEMO_ROLE.name}`);
    }
    const granted = new Set(await access.listPermissions(role.id));
    for (const permission of DEMO_ROLE.permissions.filter((p) => !granted.has(p))) {
      await access.grant(role.id, permission);
      changes.push(`permission ${permission} for ${DEMO_ROLE.name}`);
    }
    const holder = byKey.get(DEMO_ROLE.holder)!;
    if (!(await access.rolesOf(holder.id)).some((r) => r.id === role.id)) {
      await access.assignRole(holder.id, role.id);
      changes.push(`role ${DEMO_ROLE.name} assigned to ${holder.username}`);
    }

    const client = byKey.get('client')!;
    const freelancer = byKey.get('freelancer')!;
    const seededContracts: SeededContract[] = [];
    for (const demo of DEMO_CONTRACTS) {
      // ContractService has no lookup by title; a read through the ORM writes nothing and bypasses no rule.
      let contract = await em.findOne(Contract, { client: client.id, title: demo.title });
      if (!contract) {
        contract = await contracts.create({ title: demo.title, clientId: client.id, freelancerId: freelancer.id, amount: demo.amount });
        for (const to of demo.path) contract = await contracts.transition(contract.id, { to, expectedVersion: contract.version });
        changes.push(`contract "${demo.title}"${demo.path.length ? ` → ${demo.path.join(' → ')}` : ''}`);
      }
      seededContracts.push({ id: contract.id, title: contract.title, status: contract.status });
    }

    const permissions = await access.listPermissions(role.id);
    return { users: seededUsers, contracts: seededContracts, role: { id: role.id, name: role.name, permissions }, changes };
  });
}
