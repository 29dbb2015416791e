import { Controller, Delete, Get, HttpCode, Inject, Param, Put } from '@nestjs/common';
import { AccessService } from '../../services/access.service';
import { AccessPolicy, ROLES_MANAGE } from '../access-policy';
import { CallerId } from '../http/caller';
import { retryContention } from '../http/retry';
import { presentRole } from '../presenters';

/** A user's roles and effective permissions. Assigning is role administration; reading is for the user themself or role admins. */
@Controller('users/:id')
export class UserAccessController {
  constructor(
    @Inject(AccessService) private readonly access: AccessService,
    @Inject(AccessPolicy) private readonly policy: AccessPolicy,
  ) {}

  @Get('roles')
  async roles(@CallerId() caller: string, @Param('id') id: string) {
    await this.policy.requireSelfOr(caller, id, ROLES_MANAGE, 'see these roles');
    return { items: (await this.access.rolesOf(id)).map(presentRole) };
  }

  @Put('roles/:roleId')
  @HttpCode(204)
  async assign(@CallerId() caller: string, @Param('id') id: string, @Param('roleId') roleId: string): Promise<void> {
    await this.policy.requireRoleAdmin(caller);
    await retryContention(() => this.access.assignRole(id, roleId));
  }

  @Delete('roles/:roleId')
  @HttpCode(204)
  async unassign(@CallerId() caller: string, @Param('id') id: string, @Param('roleId') roleId: string): Promise<void> {
    await this.policy.requireRoleAdmin(caller);
    await retryContention(() => this.access.unassignRole(id, roleId));
  }

  @Get('permissions')
  async permissions(@CallerId() caller: string, @Param('id') id: string) {
    await this.policy.requireSelfOr(caller, id, ROLES_MANAGE, 'see these permissions');
    return { permissions: await this.access.permissionsOf(id) };
  }

  @Get('can/:permission')
  async can(@CallerId() caller: string, @Param('id') id: string, @Param('permission') permission: string) {
    await this.policy.requireSelfOr(caller, id, ROLES_MANAGE, 'ask about these permissions');
    return { permission, allowed: await this.access.can(id, permission) };
  }
}
