import {
  BadRequestException,
  Body,
  type CanActivate,
  ConflictException,
  Controller,
  type ExecutionContext,
  ForbiddenException,
  Get,
  Headers,
  HttpCode,
  Inject,
  Injectable,
  Module,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Req,
  Res,
  UnauthorizedException,
  UnprocessableEntityException,
  UseGuards,
} from '@nestjs/common';
import { EntityManager, MikroORM, OptimisticLockError } from '@mikro-orm/core';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import type { FastifyReply } from 'fastify';
import { type CallerRequest, type PeerSettings, SETTINGS, TRANSITIONS, type Status, ifMatchVersion, isStatus, peerSettings, present, serve, verifiedSubject } from '../common';
import { Contract, User } from './entities';

/**
 * The app's two contract routes as a Nest team writes them on MikroORM, without ContractDesk:
 * MikroOrmModule.forRoot (whose middleware gives each request its own RequestContext fork), the injected
 * EntityManager, a guard that verifies the token and finds the caller by subject, and the change in
 * `em.transactional`: findOne, the party, version and state checks, change the entity, flush; the entity's
 * version property makes that flush `update … where id and version`, so a concurrent writer gets 409.
 */
@Injectable()
class AuthGuard implements CanActivate {
  constructor(
    private readonly em: EntityManager,
    @Inject(SETTINGS) private readonly settings: PeerSettings,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<CallerRequest>();
    const subject = await verifiedSubject(this.settings, request.headers.authorization);
    const user = await this.em.findOne(User, { authSubject: subject }, { fields: ['id'] });
    if (!user) throw new UnauthorizedException();
    request.callerId = user.id;
    return true;
  }
}

const isParty = (contract: Contract, caller: string | undefined) => contract.client.id === caller || contract.freelancer.id === caller;

function view(contract: Contract) {
  return present({ ...contract, clientId: contract.client.id, freelancerId: contract.freelancer.id });
}

@Controller('contracts')
@UseGuards(AuthGuard)
class ContractsController {
  constructor(private readonly em: EntityManager) {}

  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string, @Req() req: CallerRequest, @Res({ passthrough: true }) res: FastifyReply) {
    const contract = await this.em.findOne(Contract, id);
    if (!contract) throw new NotFoundException();
    if (!isParty(contract, req.callerId)) throw new ForbiddenException();
    res.header('ETag', `"${contract.version}"`);
    return view(contract);
  }

  @Post(':id/transitions')
  @HttpCode(200)
  async transition(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: { to?: unknown },
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: CallerRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    const expected = ifMatchVersion(ifMatch);
    const to = body?.to;
    if (!isStatus(to) || expected === undefined) throw new BadRequestException();
    let contract: Contract;
    try {
      contract = await this.em.transactional(async (em) => {
        const found = await em.findOne(Contract, id);
        if (!found) throw new NotFoundException();
        if (!isParty(found, req.callerId)) throw new ForbiddenException();
        if (found.version !== expected) throw new ConflictException();
        if (!TRANSITIONS[found.status as Status].includes(to)) throw new UnprocessableEntityException();
        found.status = to;
        return found;
      });
    } catch (error) {
      if (error instanceof OptimisticLockError) throw new ConflictException();
      throw error;
    }
    res.header('ETag', `"${contract.version}"`);
    return view(contract);
  }
}

const settings = peerSettings();

@Module({
  imports: [
    MikroOrmModule.forRoot(
      settings.db.kind === 'sqlite'
        ? { driver: BetterSqliteDriver, dbName: settings.db.path, entities: [User, Contract], forceUtcTimezone: true }
        : { driver: PostgreSqlDriver, clientUrl: settings.db.url, pool: { min: 0, max: settings.db.poolMax }, entities: [User, Contract], forceUtcTimezone: true },
    ),
  ],
  controllers: [ContractsController],
  providers: [{ provide: SETTINGS, useValue: settings }, AuthGuard],
})
class MikroOrmPeerModule {
  constructor(private readonly orm: MikroORM) {}

  async onModuleInit(): Promise<void> {
    if (settings.db.kind !== 'sqlite') return;
    // SQLite's one connection, set up as the app's is: WAL, the same synchronous level, a lock wait.
    const connection = this.orm.em.getConnection();
    for (const pragma of ['journal_mode = WAL', `synchronous = ${settings.db.synchronous}`, 'busy_timeout = 5000']) await connection.execute(`pragma ${pragma}`);
  }
}

void serve(MikroOrmPeerModule, 'MikroORM peer');
