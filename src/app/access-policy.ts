import type { EntityManager } from '@mikro-orm/knex';
import type { Contract } from '../entities/contract.entity';
import type { AccessService } from '../services/access.service';
import type { UserService } from '../services/user.service';
import { translateError } from '../errors/translate';
import { forbidden } from './http/auth-errors';
import type { AppSettings } from './settings';

export const ROLES_MANAGE = 'roles.manage';
export const USERS_MANAGE = 'users.manage';
export const CONTRACTS_READ = 'contracts.read';

// Grants that cover `roles.manage` (see domain/permissions.ts): exact, its prefix wildcard, everything.
const ROLE_ADMIN_GRANTS = ['*', 'roles.*', ROLES_MANAGE];

/** Request-level permission decisions. Each method returns normally or throws a 403 ForbiddenError. */
export class AccessPolicy {
  constructor(
    private readonly em: EntityManager,
    private readonly access: AccessService,
    private readonly users: UserService,
    private readonly settings: AppSettings,
  ) {}

  /** The parties of a contract, and nobody else, change it. */
  requireParty(caller: string, contract: Contract, action: string): void {
    if (!contract.isParty(caller)) throw forbidden(`Only the client or the freelancer may ${action} this contract`);
  }

  /** Parties see a contract; so does anyone granted `contracts.read`. */
  async requirePartyOrReader(caller: string, contract: Contract): Promise<void> {
    if (contract.isParty(caller)) return;
    if (await this.access.can(caller, CONTRACTS_READ)) return;
    throw forbidden('Only the parties of a contract (or holders of contracts.read) may see it');
  }

  async requireSelfOr(caller: string, userId: string, permission: string, what: string): Promise<void> {
    if (caller === userId.toLowerCase()) return;
    if (this.settings.adminUserIds.has(caller)) return;
    if (await this.access.can(caller, permission)) return;
    throw forbidden(`Only the user themself (or holders of ${permission}) may ${what}`);
  }

  requireSelf(caller: string, userId: string, what: string): void {
    if (caller !== userId.toLowerCase()) throw forbidden(`Only the user themself may ${what}`);
  }

  /**
   * Role administration: operator-named admins (ADMIN_USER_IDS), holders of `roles.manage`, and — only while
   * ADMIN_USER_IDS is unset and nobody holds `roles.manage` yet — any registered user, so a fresh install can
   * create its first admin role. The door closes by itself once that role is assigned.
   */
  async requireRoleAdmin(caller: string): Promise<void> {
    if (this.settings.adminUserIds.has(caller)) return;
    if (await this.access.can(caller, ROLES_MANAGE)) return;
    if (this.settings.adminUserIds.size === 0 && !(await this.anyoneManagesRoles())) {
      await this.users.get(caller).catch((error) => {
        throw error?.code === 'USER.NOT_FOUND' ? forbidden('Register as a user before administering roles') : error;
      });
      return;
    }
    throw forbidden(`Role administration requires the ${ROLES_MANAGE} permission`);
  }

  private async anyoneManagesRoles(): Promise<boolean> {
    try {
      const rows = await this.em
        .fork()
        .execute(
          'select 1 as found from role_permissions rp join role_assignments ra on ra.role_id = rp.role_id where rp.permission in (?, ?, ?) limit 1',
          ROLE_ADMIN_GRANTS,
        );
      return rows.length > 0;
    } catch (error) {
      throw translateError(error);
    }
  }
}
