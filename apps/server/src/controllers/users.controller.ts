import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { UserService } from 'contractdesk';
import { AccessPolicy, USERS_MANAGE } from '../access-policy';
import { ConflictError } from 'contractdesk';
import { ListUsersQuery, RegisterUserDto } from '../dto/requests';
import { UserList, UserView } from '../dto/views';
import { CallerId, CallerSubject, OptionalCallerId, type RequestIdentity } from '../http/caller';
import { retryContention } from '../http/retry';
import { queryInt } from '../http/request-values';
import { ApiErrors, E } from '../openapi-errors';
import { presentUser } from '../presenters';

@ApiTags('users')
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
  @ApiOperation({ summary: 'Register the token\'s subject as a new user', description: 'Needs a bearer token whose subject has no user yet.' })
  @ApiCreatedResponse({ type: UserView, description: 'The new user, with their email' })
  @ApiErrors(E.subject, E.body, E.text, E.value, {
    400: ['VALIDATION.INVALID_USERNAME', 'VALIDATION.INVALID_EMAIL'],
    409: ['USER.SUBJECT_TAKEN', 'USER.USERNAME_TAKEN', 'USER.EMAIL_TAKEN'],
  })
  async register(@CallerSubject() identity: RequestIdentity, @Body() body: RegisterUserDto) {
    if (identity.userId) throw ConflictError.subjectTaken();
    const user = await retryContention(() =>
      this.users.register({ username: body.username, email: body.email, role: body.role }, identity.subject),
    );
    return presentUser(user, user.id);
  }

  @Get()
  @ApiOperation({ summary: 'List users (emails only for the caller themself)' })
  @ApiOkResponse({ type: UserList, description: 'A page of users' })
  @ApiErrors(E.list)
  async list(@OptionalCallerId() caller: string | undefined, @Query() query: ListUsersQuery) {
    const users = await this.users.list({ limit: queryInt(query.limit), offset: queryInt(query.offset) });
    return { items: users.map((u) => presentUser(u, caller)) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One user (the email only for the user themself)' })
  @ApiOkResponse({ type: UserView, description: 'The user' })
  @ApiErrors(E.id, E.user)
  async get(@OptionalCallerId() caller: string | undefined, @Param('id') id: string) {
    return presentUser(await this.users.get(id), caller);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a user (themself, or with users.manage)' })
  @ApiNoContentResponse({ description: 'Deleted; every token of that subject stops working' })
  @ApiErrors(E.caller, E.id, E.user, { 409: ['USER.HAS_CONTRACTS'] })
  async remove(@CallerId() caller: string, @Param('id') id: string): Promise<void> {
    await this.policy.requireSelfOr(caller, id, USERS_MANAGE, 'delete this account');
    await retryContention(() => this.users.delete(id));
  }
}
