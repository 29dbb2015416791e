import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Put } from '@nestjs/common';
import { AccessService } from '../../services/access.service';
import { AccessPolicy } from '../access-policy';
import { CallerId } from '../http/caller';
import { retryContention } from '../http/retry';
import { objectBody } from '../http/request-values';
import { presentRole } from '../presenters';

/** Roles and their permissions. Reading needs an identified caller; every change needs role administration. */
@Controller('roles')
export class RolesController {
  constructor(
    @Inject(AccessService) private readonly access: AccessService,
    @Inject(AccessPolicy) private readonly policy: AccessPolicy,
  ) {}

  @Post()
  async create(@CallerId() caller: string, @Body() raw: unknown) {
    const body = objectBody(raw);
    await this.policy.requireRoleAdmin(caller);
    const role = await retryContention(() => this.access.createRole({ name: body.name, description: body.description, priority: body.priority }));
    return presentRole(role);
  }

  /**
   * One-time: the first caller becomes administrator (role `administrator` with roles.manage); every later
   * call is 409 ACCESS.BOOTSTRAP_CLOSED, also after that role or user is deleted.
   */
  @Post('bootstrap')
  async bootstrap(@CallerId() caller: string) {
    const role = await retryContention(() => this.access.claimFirstAdmin(caller));
    return presentRole(role);
  }

  @Get()
  async list(@CallerId() _caller: string) {
    return { items: (await this.access.listRoles()).map(presentRole) };
  }

  @Get(':id')
  async get(@CallerId() _caller: string, @Param('id') id: string) {
    return presentRole(await this.access.getRole(id));
  }

  /** Partial update of name / description / priority; fields left out stay as they are. */
  @Patch(':id')
  async update(@CallerId() caller: string, @Param('id') id: string, @Body() raw: unknown) {
    const body = objectBody(raw);
    await this.policy.requireRoleAdmin(caller);
    const role = await retryContention(() =>
      this.access.updateRole(id, { name: body.name, description: body.description, priority: body.priority }),
    );
    return presentRole(role);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CallerId() caller: string, @Param('id') id: string): Promise<void> {
    await this.policy.requireRoleAdmin(caller);
    await retryContention(() => this.access.deleteRole(id));
  }

  @Get(':id/permissions')
  async permissions(@CallerId() _caller: string, @Param('id') id: string) {
    return { permissions: await this.access.listPermissions(id) };
  }

  /** Replaces the whole set atomically: `{ permissions: [...] }`. */
  @Put(':id/permissions')
  async setPermissions(@CallerId() caller: string, @Param('id') id: string, @Body() raw: unknown) {
    const body = objectBody(raw);
    await this.policy.requireRoleAdmin(caller);
    return { permissions: await retryContention(() => this.access.setPermissions(id, body.permissions)) };
  }

  /** Grant one permission (idempotent). */
  @Put(':id/permissions/:permission')
  @HttpCode(204)
  async grant(@CallerId() caller: string, @Param('id') id: string, @Param('permission') permission: string): Promise<void> {
    await this.policy.requireRoleAdmin(caller);
    await retryContention(() => this.access.grant(id, permission));
  }

  /** Revoke one permission (idempotent). */
  @Delete(':id/permissions/:permission')
  @HttpCode(204)
  async revoke(@CallerId() caller: string, @Param('id') id: string, @Param('permission') permission: string): Promise<void> {
    await this.policy.requireRoleAdmin(caller);
    await retryContention(() => this.access.revoke(id, permission));
  }
}
