import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Put, Query, Res } from '@nestjs/common';
import type { HttpResponse as Response } from '../http/http-types';
import type { Contract } from '../../entities/contract.entity';
import { ValidationError } from '../../errors/domain-error';
import { ContractService } from '../../services/contract.service';
import { AccessPolicy, CONTRACTS_READ } from '../access-policy';
import { forbidden } from '../http/auth-errors';
import { CallerId } from '../http/caller';
import { retryContention } from '../http/retry';
import { etag, expectedVersion, objectBody, queryInt, queryString } from '../http/request-values';
import { presentContract } from '../presenters';

/**
 * Contracts. Every response carrying one contract sets `ETag: "<version>"`, so a client can send it back
 * as `If-Match` on its next change; a stale version is 409 CONTRACT.VERSION_CONFLICT, nothing is overwritten.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Controller('contracts')
export class ContractsController {
  constructor(
    @Inject(ContractService) private readonly contracts: ContractService,
    @Inject(AccessPolicy) private readonly policy: AccessPolicy,
  ) {}

  /** The caller must be one of the two parties they name. */
  @Post()
  async create(@CallerId() caller: string, @Body() raw: unknown, @Res({ passthrough: true }) res: Response) {
    const body = objectBody(raw);
    const named = [body.clientId, body.freelancerId].map((v) => (typeof v === 'string' ? v.toLowerCase() : v));
    if (!named.includes(caller)) {
      // Validate first so a malformed id is a 400, not a misleading 403.
      for (const field of ['clientId', 'freelancerId'] as const) {
        if (typeof body[field] !== 'string') throw new ValidationError('VALIDATION.INVALID_UUID', field, `${field} must be a UUID`);
      }
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
  async reviseAmounts(@CallerId() caller: string, @Body() raw: unknown) {
    const changes = objectBody(raw).changes;
    if (Array.isArray(changes) && changes.length <= 100) {
      const ids = new Set<string>();
      for (const change of changes) {
        const id = (change as { id?: unknown } | undefined)?.id;
        if (typeof id === 'string' && UUID.test(id)) ids.add(id.toLowerCase());
      }
      // Ids that are not UUIDs are left to the service, which refuses the whole request before writing.
      for (const id of ids) this.policy.requireParty(caller, await this.contracts.get(id), 'revise the amount of');
    }
    const revised = await retryContention(() => this.contracts.reviseAmounts(changes));
    return { items: revised.map(presentContract) };
  }

  /** Exactly one of `clientId` / `freelancerId`; the caller must be that user or hold contracts.read. */
  @Get()
  async list(
    @CallerId() caller: string,
    @Query('clientId') rawClientId?: unknown,
    @Query('freelancerId') rawFreelancerId?: unknown,
    @Query('limit') limit?: string,
  ) {
    const clientId = queryString('clientId', rawClientId);
    const freelancerId = queryString('freelancerId', rawFreelancerId);
    if ((clientId === undefined) === (freelancerId === undefined)) {
      throw new ValidationError('VALIDATION.REQUIRED', 'clientId', 'Filter by exactly one of clientId or freelancerId');
    }
    const userId = (clientId ?? freelancerId)!;
    await this.policy.requireSelfOr(caller, userId, CONTRACTS_READ, 'list these contracts');
    const items =
      clientId !== undefined
        ? await this.contracts.listForClient(clientId, { limit: queryInt(limit) })
        : await this.contracts.listForFreelancer(userId, { limit: queryInt(limit) });
    return { items: items.map(presentContract) };
  }

  @Get(':id')
  async get(@CallerId() caller: string, @Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    const contract = await this.contracts.get(id);
    await this.policy.requirePartyOrReader(caller, contract);
    return this.reply(res, contract);
  }

  /** `{ to, expectedVersion? }` with the version in the body or in If-Match. */
  @Post(':id/transitions')
  @HttpCode(200)
  async transition(
    @CallerId() caller: string,
    @Param('id') id: string,
    @Body() raw: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.changeAsParty(caller, id, raw, ifMatch, res, 'transition', (body, expectedVersion) =>
      this.contracts.transition(id, { to: body.to, expectedVersion }),
    );
  }

  @Put(':id/amount')
  async reviseAmount(
    @CallerId() caller: string,
    @Param('id') id: string,
    @Body() raw: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.changeAsParty(caller, id, raw, ifMatch, res, 'revise the amount of', (body, expectedVersion) =>
      this.contracts.reviseAmount(id, { amount: body.amount, expectedVersion }),
    );
  }

  @Put(':id/title')
  async rename(
    @CallerId() caller: string,
    @Param('id') id: string,
    @Body() raw: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.changeAsParty(caller, id, raw, ifMatch, res, 'rename', (body, expectedVersion) =>
      this.contracts.rename(id, { title: body.title, expectedVersion }),
    );
  }

  /**
   * Checks the caller is a party before changing anything. The parties of a contract never change, so this
   * read outside the write transaction cannot go stale in a way that matters; the version check stays atomic
   * inside the service's UPDATE.
   */
  private async asParty(caller: string, id: string, body: Record<string, unknown>, ifMatch: string | undefined, action: string) {
    const version = expectedVersion(body, ifMatch);
    const current = await this.contracts.get(id);
    this.policy.requireParty(caller, current, action);
    return version;
  }

  /** A party-only change carrying the caller's version (body `expectedVersion` or `If-Match`). */
  private async changeAsParty(
    caller: string,
    id: string,
    raw: unknown,
    ifMatch: string | undefined,
    res: Response,
    action: string,
    change: (body: Record<string, unknown>, expectedVersion: unknown) => Promise<Contract>,
  ) {
    const body = objectBody(raw);
    const version = await this.asParty(caller, id, body, ifMatch, action);
    const contract = await retryContention(() => change(body, version));
    return this.reply(res, contract);
  }

  private reply(res: Response, contract: Contract) {
    res.setHeader('ETag', etag(contract.version));
    return presentContract(contract);
  }
}
