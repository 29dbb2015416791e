import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Put } from '@nestjs/common';
import { AccessService } from 'contractdesk';
import { AccessPolicy } from '../access-policy';
import { CallerId } from '../http/caller';
import { retryContention } from '../http/retry';
import { CreateRoleDto, SetPermissionsDto, UpdateRoleDto } from '../dto/requests';
import { PermissionList, RoleList, RoleView } from '../dto/views';
import { ApiErrors, E } from '../openapi-errors';
import { presentRole } from '../presenters';

/** Roles and their permissions. Reading needs an identified caller; every change needs role administration. */
@ApiTags('roles')
@Controller('roles')
export class RolesController {
  constructor(
    @Inject(AccessService) private readonly access: AccessService,
    @Inject(AccessPolicy) private readonly policy: AccessPolicy,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a role (role administration)' })
  @ApiCreatedResponse({ type: RoleView, description: 'The new role' })
  @ApiErrors(E.caller, E.body, E.text, E.integer, { 409: ['ROLE.NAME_TAKEN'] })
  async create(@CallerId() caller: string, @Body() body: CreateRoleDto) {
    await this.policy.requireRoleAdmin(caller);
    const role = await retryContention(() => this.access.createRole({ name: body.name, description: body.description, priority: body.priority }));
    return presentRole(role);
  }

  /**
   * One-time: the first caller becomes administrator (role `administrator` with roles.manage); every later
   * call is 409 ACCESS.BOOTSTRAP_CLOSED, also after that role or user is deleted.
   */
  @Post('bootstrap')
  @ApiOperation({ summary: 'One-time claim of the first administrator' })
  @ApiCreatedResponse({ type: RoleView, description: 'The role `administrator`, now held by the caller' })
  @ApiErrors(E.caller, { 409: ['ACCESS.BOOTSTRAP_CLOSED'] })
  async bootstrap(@CallerId() caller: string) {
    const role = await retryContention(() => this.access.claimFirstAdmin(caller));
    return presentRole(role);
  }

  @Get()
  @ApiOperation({ summary: 'All roles' })
  @ApiOkResponse({ type: RoleList, description: 'Roles by priority, then name' })
  @ApiErrors(E.caller)
  async list(@CallerId() _caller: string) {
    return { items: (await this.access.listRoles()).map(presentRole) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One role' })
  @ApiOkResponse({ type: RoleView, description: 'The role' })
  @ApiErrors(E.caller, E.id, E.role)
  async get(@CallerId() _caller: string, @Param('id') id: string) {
    return presentRole(await this.access.getRole(id));
  }

  /** Partial update of name / description / priority; fields left out stay as they are. */
  @Patch(':id')
  @ApiOperation({ summary: 'Change a role\'s name, description or priority (role administration)' })
  @ApiOkResponse({ type: RoleView, description: 'The role as changed' })
  @ApiBody({ type: UpdateRoleDto, required: false })
  @ApiErrors(E.caller, E.body, E.id, E.text, E.integer, E.role, { 409: ['ROLE.NAME_TAKEN'] })
  async update(@CallerId() caller: string, @Param('id') id: string, @Body() sent: UpdateRoleDto) {
    // A request without a body changes nothing; the pipe passes `undefined` through. (A `| undefined` in the
    // parameter type would hide the DTO from Nest's metadata, and so from validation and the document.)
    const body: UpdateRoleDto = sent ?? {};
    await this.policy.requireRoleAdmin(caller);
    const role = await retryContention(() =>
      this.access.updateRole(id, { name: body.name, description: body.description, priority: body.priority }),
    );
    return presentRole(role);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a role, its permissions and assignments (role administration)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(E.caller, E.id, E.role)
  async remove(@CallerId() caller: string, @Param('id') id: string): Promise<void> {
    await this.policy.requireRoleAdmin(caller);
    await retryContention(() => this.access.deleteRole(id));
  }

  @Get(':id/permissions')
  @ApiOperation({ summary: 'A role\'s permissions' })
  @ApiOkResponse({ type: PermissionList, description: 'Its permissions' })
  @ApiErrors(E.caller, E.id, E.role)
  async permissions(@CallerId() _caller: string, @Param('id') id: string) {
    return { permissions: await this.access.listPermissions(id) };
  }

  /** Replaces the whole set atomically: `{ permissions: [...] }`. */
  @Put(':id/permissions')
  @ApiOperation({ summary: 'Replace a role\'s permissions, atomically (role administration)' })
  @ApiOkResponse({ type: PermissionList, description: 'The new set' })
  @ApiErrors(E.caller, E.body, E.id, E.permission, E.value, E.role)
  async setPermissions(@CallerId() caller: string, @Param('id') id: string, @Body() body: SetPermissionsDto) {
    await this.policy.requireRoleAdmin(caller);
    return { permissions: await retryContention(() => this.access.setPermissions(id, body.permissions)) };
  }

  /** Grant one permission (idempotent). */
  @Put(':id/permissions/:permission')
  @HttpCode(204)
  @ApiOperation({ summary: 'Grant one permission (idempotent; role administration)' })
  @ApiNoContentResponse({ description: 'Granted' })
  @ApiErrors(E.caller, E.id, E.permission, E.role)
  async grant(@CallerId() caller: string, @Param('id') id: string, @Param('permission') permission: string): Promise<void> {
    await this.policy.requireRoleAdmin(caller);
    await retryContention(() => this.access.grant(id, permission));
  }

  /** Revoke one permission (idempotent). */
  @Delete(':id/permissions/:permission')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one permission (idempotent; role administration)' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiErrors(E.caller, E.id, E.permission, E.role)
  async revoke(@CallerId() caller: string, @Param('id') id: string, @Param('permission') permission: string): Promise<void> {
    await this.policy.requireRoleAdmin(caller);
    await retryContention(() => this.access.revoke(id, permission));
  }
}
