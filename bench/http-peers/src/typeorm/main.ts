import {
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
  BadRequestException,
  Body,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DataSource, type EntityManager } from 'typeorm';
import { type CallerRequest, type PeerSettings, SETTINGS, TRANSITIONS, type Status, ifMatchVersion, isStatus, peerSettings, present, serve, verifiedSubject } from '../common';
import { type ContractRow, type Entities, entities } from './entities';

/**
 * The app's two contract routes as a Nest team writes them on TypeORM, without ContractDesk: a DataSource with
 * its normal pool, repositories, a guard that verifies the token and finds the caller by subject, and the change
 * in `dataSource.transaction`: findOne, the party, version and state checks, then an UPDATE guarded by the
 * version (`where id and version`, affected rows checked), so a concurrent writer gets 409 instead of being
 * overwritten; save() would write `where id` only and lose that update on PostgreSQL.
 */
const ENTITIES = Symbol('ENTITIES');

/**
 * TypeORM's better-sqlite3 driver has one connection and one query runner for the whole process, and nests a
 * second transaction begun on it as a savepoint of the first: two requests interleaving there would commit
 * each other's work. Their transactions are queued instead, which is what SQLite's single writer does anyway.
 */
class TransactionQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

@Injectable()
class Contracts {
  private readonly queue: TransactionQueue | undefined;

  constructor(
    private readonly ds: DataSource,
    @Inject(ENTITIES) private readonly e: Entities,
    @Inject(SETTINGS) settings: PeerSettings,
  ) {
    this.queue = settings.db.kind === 'sqlite' ? new TransactionQueue() : undefined;
  }

  userIdBySubject(subject: string): Promise<{ id: string } | null> {
    return this.ds.getRepository(this.e.UserEntity).findOne({ where: { authSubject: subject }, select: { id: true } });
  }

  findOne(id: string): Promise<ContractRow | null> {
    return this.ds.getRepository(this.e.ContractEntity).findOne({ where: { id } });
  }

  transition(id: string, caller: string, to: Status, expected: number): Promise<ContractRow> {
    const work = () => this.ds.transaction((m) => this.transitionIn(m, id, caller, to, expected));
    return this.queue ? this.queue.run(work) : work();
  }

  private async transitionIn(m: EntityManager, id: string, caller: string, to: Status, expected: number): Promise<ContractRow> {
    const { ContractEntity } = this.e;
    const contract = await m.findOne(ContractEntity, { where: { id } });
    if (!contract) throw new NotFoundException();
    if (contract.clientId !== caller && contract.freelancerId !== caller) throw new ForbiddenException();
    if (contract.version !== expected) throw new ConflictException();
    if (!TRANSITIONS[contract.status as Status].includes(to)) throw new UnprocessableEntityException();
    const updatedAt = new Date();
    const result = await m.update(ContractEntity, { id, version: expected }, { status: to, version: expected + 1, updatedAt });
    if (result.affected !== 1) throw new ConflictException();
    return Object.assign(contract, { status: to, version: expected + 1, updatedAt });
  }
}

@Injectable()
class AuthGuard implements CanActivate {
  constructor(
    private readonly contracts: Contracts,
    @Inject(SETTINGS) private readonly settings: PeerSettings,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<CallerRequest>();
    const subject = await verifiedSubject(this.settings, request.headers.authorization);
    const user = await this.contracts.userIdBySubject(subject);
    if (!user) throw new UnauthorizedException();
    request.callerId = user.id;
    return true;
  }
}

@Controller('contracts')
@UseGuards(AuthGuard)
class ContractsController {
  constructor(private readonly contracts: Contracts) {}

  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string, @Req() req: CallerRequest, @Res({ passthrough: true }) res: FastifyReply) {
    const contract = await this.contracts.findOne(id);
    if (!contract) throw new NotFoundException();
    if (contract.clientId !== req.callerId && contract.freelancerId !== req.callerId) throw new ForbiddenException();
    res.header('ETag', `"${contract.version}"`);
    return present(contract);
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
    if (!isStatus(body?.to) || expected === undefined) throw new BadRequestException();
    const contract = await this.contracts.transition(id, req.callerId!, body.to, expected);
    res.header('ETag', `"${contract.version}"`);
    return present(contract);
  }
}

async function dataSource(settings: PeerSettings, e: Entities): Promise<DataSource> {
  const ds =
    settings.db.kind === 'sqlite'
      ? new DataSource({
          type: 'better-sqlite3',
          database: settings.db.path,
          entities: [e.UserEntity, e.ContractEntity],
          // The same durability and lock wait as the app's connection; safe integers for the int64 amounts.
          prepareDatabase: (db: { pragma(sql: string): unknown; defaultSafeIntegers(on: boolean): unknown }) => {
            db.pragma('journal_mode = WAL');
            db.pragma(`synchronous = ${(settings.db as { synchronous: string }).synchronous}`);
            db.pragma('busy_timeout = 5000');
            db.defaultSafeIntegers(true);
          },
        })
      : new DataSource({ type: 'postgres', url: settings.db.url, poolSize: settings.db.poolMax, entities: [e.UserEntity, e.ContractEntity] });
  return ds.initialize();
}

const settings = peerSettings();
const e = entities(settings.db.kind === 'sqlite');

@Module({
  controllers: [ContractsController],
  providers: [
    { provide: SETTINGS, useValue: settings },
    { provide: ENTITIES, useValue: e },
    // What TypeOrmModule.forRoot provides; @nestjs/typeorm itself is not installed here, as its peer
    // dependencies would bring this package a second copy of Nest.
    { provide: DataSource, useFactory: () => dataSource(settings, e) },
    Contracts,
    AuthGuard,
  ],
})
class TypeOrmPeerModule {}

void serve(TypeOrmPeerModule, 'TypeORM peer', async (app) => {
  await app.close();
  await app.get(DataSource).destroy();
});
