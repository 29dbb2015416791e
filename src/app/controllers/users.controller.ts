import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { UserService } from '../../services/user.service';
import { AccessPolicy, USERS_MANAGE } from '../access-policy';
import { CallerId, OptionalCallerId } from '../http/caller';
import { retryContention } from '../http/retry';
import { objectBody, queryInt } from '../http/request-values';
import { presentUser } from '../presenters';

@Controller('users')
export class UsersController {
  constructor(
    @Inject(UserService) private readonly users: UserService,
    @Inject(AccessPolicy) private readonly policy: AccessPolicy,
  ) {}

  /** Registration is open: it is how a caller gets the id they then send as X-User-Id. */
  @Post()
  async register(@Body() raw: unknown) {
    const body = objectBody(raw);
    const user = await retryContention(() => this.users.register({ username: body.username, email: body.email, role: body.role }));
    return presentUser(user, user.id);
  }

  @Get()
  async list(@OptionalCallerId() caller: string | undefined, @Query('limit') limit?: string, @Query('offset') offset?: string) {
    const users = await this.users.list({ limit: queryInt(limit), offset: queryInt(offset) });
    return { items: users.map((u) => presentUser(u, caller)) };
  }

  @Get(':id')
  async get(@OptionalCallerId() caller: string | undefined, @Param('id') id: string) {
    return presentUser(await this.users.get(id), caller);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CallerId() caller: string, @Param('id') id: string): Promise<void> {
    await this.policy.requireSelfOr(caller, id, USERS_MANAGE, 'delete this account');
    await retryContention(() => this.users.delete(id));
  }
}
