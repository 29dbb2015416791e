import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { UserService } from '../../services/user.service';
import { AccessPolicy, USERS_MANAGE } from '../access-policy';
import { ConflictError } from '../../errors/domain-error';
import { CallerId, CallerSubject, OptionalCallerId, type RequestIdentity } from '../http/caller';
import { retryContention } from '../http/retry';
import { objectBody, queryInt } from '../http/request-values';
import { presentUser } from '../presenters';

@Controller('users')
export class UsersController {
  constructor(
    @Inject(UserService) private readonly users: UserService,
    @Inject(AccessPolicy) private readonly policy: AccessPolicy,
  ) {}

  /**
   * Binds the token's subject to a new user, once: a subject that already has a user is 409
   * USER.SUBJECT_TAKEN (here, or from the unique index when two registrations race).
   */
  @Post()
  async register(@CallerSubject() identity: RequestIdentity, @Body() raw: unknown) {
    const body = objectBody(raw);
    if (identity.userId) throw ConflictError.subjectTaken();
    const user = await retryContention(() =>
      this.users.register({ username: body.username, email: body.email, role: body.role }, identity.subject),
    );
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
