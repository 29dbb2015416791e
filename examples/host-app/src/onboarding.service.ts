import { Injectable } from '@nestjs/common';
import { EntityManager, Transactional } from '@mikro-orm/core';
import { ContractService, UserService } from 'contractdesk';

/** A host's own use case: three ContractDesk operations, all or nothing. */
@Injectable()
export class OnboardingService {
  constructor(
    // @Transactional() finds the EntityManager on `this.em`; the services join the transaction it opens.
    private readonly em: EntityManager,
    private readonly users: UserService,
    private readonly contracts: ContractService,
  ) {}

  @Transactional()
  async onboard(input: { client: string; freelancer: string; title: string; failAtEnd?: boolean }) {
    const client = await this.users.register({ username: input.client, email: `${input.client}@example.com`, role: 'client' });
    const freelancer = await this.users.register({ username: input.freelancer, email: `${input.freelancer}@example.com`, role: 'freelancer' });
    const contract = await this.contracts.create({ title: input.title, clientId: client.id, freelancerId: freelancer.id, amount: '1000' });
    if (input.failAtEnd) throw new Error('the host changed its mind');
    return { clientId: client.id, freelancerId: freelancer.id, contractId: contract.id };
  }
}
