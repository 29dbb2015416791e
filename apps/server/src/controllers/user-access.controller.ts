import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Controller, Delete, Get, HttpCode, Inject, Param, Put } from '@nestjs/common';
import { AccessService } from 'contractdesk';
import { AccessPolicy, ROLES_MANAGE } from '../access-policy';
import { CallerId } from '../http/caller';
import { retryContention } from '../http/retry';
import { presentRole } from '../presenters';

import { PermissionCheck, PermissionList, RoleList } from '../dto/views';
import { ApiErrors, E } from '../openapi-errors';
/** A user's roles and effective permissions. Assigning is role administration; reading is for the user themself or role admins. */
@ApiTags('access')
@Controller('users/:id')
export class UserAccessController {
  constructor(
    @Inject(AccessService) private readonly access: AccessService,
    @Inject(AccessPolicy) private readonly policy: AccessPolicy,
  ) {}

  @Get('roles')
  @ApiOperation({ summary: 'A user\'s roles (themself, or with roles.manage)' })
  @ApiOkResponse({ type: RoleList, description: 'Their roles' })
  @ApiErrors(E.caller, E.id, E.user)
  async roles(@CallerId() caller: string, @Param('id') id: string) {
    await this.policy.requireSelfOr(caller, id, ROLES_MANAGE, 'see these roles');
    return { items: (await this.access.rolesOf(id)).map(presentRole) };
  }

  @Put('roles/:roleId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Assign a role (idempotent; role administration)' })
  @ApiNoContentResponse({ description: 'Assigned' })
  @ApiErrors(E.caller, E.id, E.user, E.role)
  async assign(@CallerId() caller: string, @Param('id') id: string, @Param('roleId') roleId: string): Promise<void> {
    await this.policy.requireRoleAdmin(caller);
    await retryContention(() => this.access.assignRole(id, roleId));
  }

  @Delete('roles/:roleId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unassign a role (idempotent; role administration)' })
  @ApiNoContentResponse({ description: 'Unassigned' })
  @ApiErrors(E.caller, E.id, E.user, E.role)
  async unassign(@CallerId() caller: string, @Param('id') id: string, @Param('roleId') roleId: string): Promise<void> {
    await this.policy.requireRoleAdmin(caller);
    await retryContention(() => this.access.unassignRole(id, roleId));
  }

  @Get('permissions')
  @ApiOperation({ summary: 'A user\'s effective permissions (themself, or with roles.manage)' })
  @ApiOkResponse({ type: PermissionList, description: 'The union of their roles\' permissions' })
  @ApiErrors(E.caller, E.id, E.user)
  async permissions(@CallerId() caller: string, @Param('id') id: string) {
    await this.policy.requireSelfOr(caller, id, ROLES_MANAGE, 'see these permissions');
    return { permissions: await this.access.permissionsOf(id) };
  }

  @Get('can/:permission')
  @ApiOperation({ summary: 'Whether a user holds a permission (themself, or with roles.manage)' })
  @ApiOkResponse({ type: PermissionCheck, description: 'The answer' })
  @ApiErrors(E.caller, E.id, E.permission, E.user)
  async can(@CallerId() caller: string, @Param('id') id: string, @Param('permission') permission: string) {
    await this.policy.requireSelfOr(caller, id, ROLES_MANAGE, 'ask about these permissions');
    return { permission, allowed: await this.access.can(id, permission) };
  }
}
