import { Body, Controller, Get, HttpCode, HttpException, Param, Post } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/core';
import { ContractService, DomainError, User, UserService } from 'contractdesk';
import { OnboardingService } from './onboarding.service';

/** Lets the tests hold two requests in flight at once. */
class Rendezvous {
  private waiting: Array<() => void> = [];
  constructor(private readonly size: number) {}
  arrive(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (this.waiting.length >= this.size) for (const release of this.waiting.splice(0)) release();
    });
  }
}

@Controller()
export class HostController {
  private readonly rendezvous = new Rendezvous(2);

  constructor(
    private readonly em: EntityManager,
    private readonly onboarding: OnboardingService,
    private readonly users: UserService,
    private readonly contracts: ContractService,
  ) {}

  @Post('onboard')
  @HttpCode(201)
  async onboard(@Body() body: { client: string; freelancer: string; title: string; failAtEnd?: boolean }) {
    try {
      return await this.onboarding.onboard(body);
    } catch (error) {
      if (error instanceof DomainError) throw new HttpException({ code: error.code }, 409);
      throw new HttpException({ code: 'HOST.FAILED' }, 500);
    }
  }

  /** Composition written by hand: em.transactional() on the request's EntityManager, services inside. */
  @Post('onboard-and-activate')
  @HttpCode(201)
  async onboardAndActivate(@Body() body: { client: string; freelancer: string }) {
    return this.em.transactional(async () => {
      const ids = await this.onboarding.onboard({ ...body, title: 'Activated on arrival' });
      const contract = await this.contracts.transition(ids.contractId, { to: 'active', expectedVersion: 1 });
      return { ...ids, status: contract.status, version: contract.version };
    });
  }

  /** Loads a user into this request's identity map, waits until a second request is in flight, reports the map. */
  @Get('probe/:id')
  async probe(@Param('id') id: string) {
    const em = this.em.getContext();
    await em.findOneOrFail(User, id);
    await this.rendezvous.arrive();
    const users = em
      .getUnitOfWork()
      .getIdentityMap()
      .values()
      .filter((entity): entity is User => entity instanceof User)
      .map((user) => user.id);
    return { em: em.id, users };
  }

  @Get('users/:id')
  async user(@Param('id') id: string) {
    const user = await this.users.get(id);
    return { id: user.id, username: user.username };
  }
}
