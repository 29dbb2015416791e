import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { HttpReply as Response } from '../http/http-types';
import type { Contract, ContractView as ContractReadModel } from 'contractdesk';
import { ContractService } from 'contractdesk';
import type { ContractGuard } from 'contractdesk/internal';
import { AccessPolicy, CONTRACTS_READ } from '../access-policy';
import { forbidden } from '../http/auth-errors';
import { CallerId } from '../http/caller';
import { retryContention } from '../http/retry';
import { etag, expectedVersion, queryInt } from '../http/request-values';
import { ValidationError } from 'contractdesk';
import {
  AmountRevisionsDto,
  CreateContractDto,
  ListContractsQuery,
  RenameContractDto,
  ReviseAmountDto,
  TransitionDto,
} from '../dto/requests';
import { ContractList, ContractView } from '../dto/views';
import { ApiErrors, E } from '../openapi-errors';
import { presentContract } from '../presenters';

const ETAG = {
  ETag: {
    description: 'The contract\'s version as an entity tag, e.g. `"3"`: send it back as If-Match',
    schema: { type: 'string', pattern: '^"[0-9]+"$' },
  },
};
const IF_MATCH = ApiHeader({
  name: 'If-Match',
  required: false,
  description: 'The version the change is based on (`"3"`, `3` or `W/"3"`), instead of `expectedVersion` in the body',
  schema: { type: 'string' },
});
/** What every party-only change of one contract can answer. */
const CHANGE_ERRORS = [E.caller, E.body, E.id, E.version, E.contract] as const;

/**
 * Contracts. Every response carrying one contract sets `ETag: "<version>"`, so a client can send it back
 * as `If-Match` on its next change; a stale version is 409 CONTRACT.VERSION_CONFLICT, nothing is overwritten.
 */
@ApiTags('contracts')
@Controller('contracts')
export class ContractsController {
  constructor(
    @Inject(ContractService) private readonly contracts: ContractService,
    @Inject(AccessPolicy) private readonly policy: AccessPolicy,
  ) {}

  /** The caller must be one of the two parties they name. */
  @Post()
  @ApiOperation({ summary: 'Create a draft contract between the caller and another user' })
  @ApiCreatedResponse({ type: ContractView, headers: ETAG, description: 'The new contract (version 1)' })
  @ApiErrors(E.caller, E.body, E.text, E.id, E.amount, E.user, {
    422: ['CONTRACT.SAME_PARTY', 'CONTRACT.CLIENT_ROLE', 'CONTRACT.FREELANCER_ROLE'],
  })
  async create(@CallerId() caller: string, @Body() body: CreateContractDto, @Res({ passthrough: true }) res: Response) {
    // The DTO has checked both ids are UUIDs, so a malformed id is a 400 before this (a misleading) 403.
    if (![body.clientId, body.freelancerId].some((id) => id.toLowerCase() === caller)) {
      throw forbidden('You can only create a contract you are a party to');
    }
    const contract = await retryContention(() =>
      this.contracts.create({ title: body.title, clientId: body.clientId, freelancerId: body.freelancerId, amount: body.amount }),
    );
    return this.reply(res, contract);
  }

  /**
   * Re-prices several draft contracts at once, all or nothing: `{ changes: [{ id, expectedVersion, amount }] }`.
   * The caller must be a party to every contract named; one stale version is a 409 and nothing is written.
   */
  @Post('amount-revisions')
  @HttpCode(200)
  @ApiOperation({ summary: 'Re-price several draft contracts at once, all or nothing' })
  @ApiOkResponse({ type: ContractList, description: 'The revised contracts, in the order given' })
  @ApiErrors(E.caller, E.body, E.id, E.value, E.integer, E.amount, E.contract, {
    400: ['VALIDATION.TYPE', 'VALIDATION.DUPLICATE'],
    409: ['CONTRACT.VERSION_CONFLICT'],
    422: ['CONTRACT.AMOUNT_LOCKED'],
  })
  async reviseAmounts(@CallerId() caller: string, @Body() body: AmountRevisionsDto) {
    // The party check runs on each contract as the service's transaction loads it: one read per batch.
    const guard = this.partyOnly(caller, 'revise the amount of');
    const revised = await retryContention(() => this.contracts.reviseAmounts(body.changes, { guard }));
    return { items: revised.map(presentContract) };
  }

  /** Exactly one of `clientId` / `freelancerId`; the caller must be that user or hold contracts.read. */
  @Get()
  @ApiOperation({ summary: 'A user\'s contracts as client or as freelancer (themself, or with contracts.read)' })
  @ApiOkResponse({ type: ContractList, description: 'Their contracts' })
  @ApiErrors(E.caller, E.id, E.list, { 400: ['VALIDATION.REQUIRED', 'VALIDATION.TYPE'] })
  async list(@CallerId() caller: string, @Query() query: ListContractsQuery) {
    const { clientId, freelancerId, limit } = query;
    if ((clientId === undefined) === (freelancerId === undefined)) {
      throw new ValidationError('VALIDATION.REQUIRED', 'clientId', 'Filter by exactly one of clientId or freelancerId');
    }
    const userId = (clientId ?? freelancerId)!;
    await this.policy.requireSelfOr(caller, userId, CONTRACTS_READ, 'list these contracts');
    const items =
      clientId !== undefined
        ? await this.contracts.listViewsForClient(clientId, { limit: queryInt(limit) })
        : await this.contracts.listViewsForFreelancer(userId, { limit: queryInt(limit) });
    return { items: items.map(presentContract) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One contract (its parties, or with contracts.read)' })
  @ApiOkResponse({ type: ContractView, headers: ETAG, description: 'The contract' })
  @ApiErrors(E.caller, E.id, E.contract)
  async get(@CallerId() caller: string, @Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    const contract = await this.contracts.view(id);
    await this.policy.requirePartyOrReader(caller, contract);
    return this.reply(res, contract);
  }

  /** `{ to, expectedVersion? }` with the version in the body or in If-Match. */
  @Post(':id/transitions')
  @HttpCode(200)
  @ApiOperation({ summary: 'Move a contract to another status (a party; the state machine decides)' })
  @IF_MATCH
  @ApiOkResponse({ type: ContractView, headers: ETAG, description: 'The contract at its new version' })
  @ApiErrors(...CHANGE_ERRORS, E.value, { 422: ['CONTRACT.ILLEGAL_TRANSITION'] })
  async transition(
    @CallerId() caller: string,
    @Param('id') id: string,
    @Body() body: TransitionDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.changeAsParty(caller, body, ifMatch, res, 'transition', (body, expectedVersion, guard) =>
      this.contracts.transition(id, { to: body.to, expectedVersion }, { guard }),
    );
  }

  @Put(':id/amount')
  @ApiOperation({ summary: 'Re-price a draft contract (a party)' })
  @IF_MATCH
  @ApiOkResponse({ type: ContractView, headers: ETAG, description: 'The contract at its new version' })
  @ApiErrors(...CHANGE_ERRORS, E.amount, { 422: ['CONTRACT.AMOUNT_LOCKED'] })
  async reviseAmount(
    @CallerId() caller: string,
    @Param('id') id: string,
    @Body() body: ReviseAmountDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.changeAsParty(caller, body, ifMatch, res, 'revise the amount of', (body, expectedVersion, guard) =>
      this.contracts.reviseAmount(id, { amount: body.amount, expectedVersion }, { guard }),
    );
  }

  @Put(':id/title')
  @ApiOperation({ summary: 'Rename a contract (a party)' })
  @IF_MATCH
  @ApiOkResponse({ type: ContractView, headers: ETAG, description: 'The contract at its new version' })
  @ApiErrors(...CHANGE_ERRORS, E.text)
  async rename(
    @CallerId() caller: string,
    @Param('id') id: string,
    @Body() body: RenameContractDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.changeAsParty(caller, body, ifMatch, res, 'rename', (body, expectedVersion, guard) =>
      this.contracts.rename(id, { title: body.title, expectedVersion }, { guard }),
    );
  }

  /** Inside the service's write transaction, on the contract as loaded there: the caller must be a party. */
  private partyOnly(caller: string, action: string): ContractGuard {
    return (contract) => this.policy.requireParty(caller, contract, action);
  }

  /**
   * A party-only change carrying the caller's version (body `expectedVersion` or `If-Match`). The party check
   * and the change share the service's one read of the contract, inside its transaction.
   */
  private async changeAsParty<B extends { expectedVersion?: unknown }>(
    caller: string,
    body: B,
    ifMatch: string | undefined,
    res: Response,
    action: string,
    change: (body: B, expectedVersion: unknown, guard: ContractGuard) => Promise<Contract>,
  ) {
    const version = expectedVersion(body, ifMatch);
    const guard = this.partyOnly(caller, action);
    const contract = await retryContention(() => change(body, version, guard));
    return this.reply(res, contract);
  }

  private reply(res: Response, contract: Contract | ContractReadModel) {
    res.header('ETag', etag(contract.version));
    return presentContract(contract);
  }
}
