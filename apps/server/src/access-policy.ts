import type { Contract, ContractView } from 'contractdesk';
import { type AccessService, NotFoundError, isPartyOf } from 'contractdesk';
import { forbidden } from './http/auth-errors';
import type { AppSettings } from './settings';

export const ROLES_MANAGE = 'roles.manage';
export const USERS_MANAGE = 'users.manage';
export const CONTRACTS_READ = 'contracts.read';

/** Request-level permission decisions. Each method returns normally or throws a 403 ForbiddenError. */
export class AccessPolicy {
  constructor(
    private readonly access: AccessService,
    private readonly settings: AppSettings,
  ) {}

  /** The parties of a contract, and nobody else, change it. */
  requireParty(caller: string, contract: Contract, action: string): void {
    if (!contract.isParty(caller)) throw forbidden(`Only the client or the freelancer may ${action} this contract`);
  }

  /** Parties see a contract; so does anyone granted `contracts.read`. */
  async requirePartyOrReader(caller: string, contract: ContractView): Promise<void> {
    if (isPartyOf(contract, caller)) return;
    if (await this.holds(caller, CONTRACTS_READ)) return;
    throw forbidden('Only the parties of a contract (or holders of contracts.read) may see it');
  }

  async requireSelfOr(caller: string, userId: string, permission: string, what: string): Promise<void> {
    if (caller === userId.toLowerCase()) return;
    if (this.settings.adminUserIds.has(caller)) return;
    if (await this.holds(caller, permission)) return;
    throw forbidden(`Only the user themself (or holders of ${permission}) may ${what}`);
  }

  requireSelf(caller: string, userId: string, what: string): void {
    if (caller !== userId.toLowerCase()) throw forbidden(`Only the user themself may ${what}`);
  }

  /**
   * Role administration: operator-named admins (ADMIN_USER_IDS) and holders of `roles.manage`. A fresh
   * install gets its first holder through the one-time claim (POST /roles/bootstrap, AccessService.claimFirstAdmin),
   * never through an "is anyone an admin yet?" check, which two callers could pass at once and which would
   * open again once the last grant is revoked.
   */
  async requireRoleAdmin(caller: string): Promise<void> {
    if (this.settings.adminUserIds.has(caller)) return;
    if (await this.holds(caller, ROLES_MANAGE)) return;
    throw forbidden(`Role administration requires the ${ROLES_MANAGE} permission`);
  }

  /** Whether the caller holds `permission`; a caller deleted since the guard saw them holds nothing (403, not 404). */
  private async holds(caller: string, permission: string): Promise<boolean> {
    try {
      return await this.access.can(caller, permission);
    } catch (error) {
      if (error instanceof NotFoundError && error.code === 'USER.NOT_FOUND') return false;
      throw error;
    }
  }
}
