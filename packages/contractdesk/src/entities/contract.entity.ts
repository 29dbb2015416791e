import { randomUUID } from 'node:crypto';
import { Check, Entity, Enum, Index, ManyToOne, PrimaryKey, Property, type Ref, ref } from '@mikro-orm/core';
import { CONTRACT_STATUSES, ContractStatus, canTransition } from '../domain/contract-status';
import { canActAsClient, canActAsFreelancer } from '../domain/party-role';
import * as validate from '../domain/validation';
import { RuleViolationError } from '../errors/domain-error';
import { StroopsType } from './stroops.type';
import { User } from './user.entity';

export const CONTRACT_CURRENCIES = ['XLM', 'USDC', 'EURC'] as const;
export type ContractCurrency = (typeof CONTRACT_CURRENCIES)[number];

@Entity({ tableName: 'contractdesk_contracts' })
@Check({ name: 'contracts_amount_non_negative', expression: 'amount >= 0' })
// A party's list is `where <party> = ? order by created_at desc, id desc limit ?`: with `id` in the index, one
// backward range read returns the rows in that order and stops at the limit. Without it the ties on created_at
// made both databases sort every contract of the party (test/db/query-plans.spec.ts).
@Index({ name: 'contractdesk_contracts_client_created_id_idx', properties: ['client', 'createdAt', 'id'] })
@Index({ name: 'contractdesk_contracts_freelancer_created_id_idx', properties: ['freelancer', 'createdAt', 'id'] })
@Index({ name: 'contractdesk_contracts_status_idx', properties: ['status'] })
class ContractDeskContract {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 200 })
  title: string;

  @ManyToOne({ entity: () => User, ref: true, deleteRule: 'restrict', updateRule: 'cascade' })
  client: Ref<User>;

  @ManyToOne({ entity: () => User, ref: true, deleteRule: 'restrict', updateRule: 'cascade' })
  freelancer: Ref<User>;

  /** Stroops (10^-7 XLM), an int64 held exactly as a bigint on both databases. */
  @Property({ type: StroopsType, columnType: 'bigint' })
  amount: bigint;

  @Enum({ items: () => ContractStatus, type: 'string', length: 16 })
  status: ContractStatus = ContractStatus.Draft;

  /**
   * Currency of `amount` (stroops are XLM's unit; other assets use the same 7 decimals on Stellar).
   * Added by the expand/contract migration 2026-11-23 (docs/operations.md): a default keeps older app
   * versions, which insert without it, working while the migration rolls out.
   */
  @Enum({ items: [...CONTRACT_CURRENCIES], type: 'string', length: 8, default: 'XLM' })
  currency: ContractCurrency = 'XLM';

  /** Optimistic lock: every UPDATE carries `where version = <loaded>` and bumps it. */
  @Property({ type: 'integer', version: true })
  version!: number;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  constructor(props: { title: unknown; client: User; freelancer: User; amount: unknown }) {
    if (props.client.id === props.freelancer.id) {
      throw RuleViolationError.invalidParty('CONTRACT.SAME_PARTY', 'A contract needs two different users as client and freelancer');
    }
    if (!canActAsClient(props.client.role)) {
      throw RuleViolationError.invalidParty('CONTRACT.CLIENT_ROLE', `User ${props.client.id} cannot act as a client (role ${props.client.role})`);
    }
    if (!canActAsFreelancer(props.freelancer.role)) {
      throw RuleViolationError.invalidParty(
        'CONTRACT.FREELANCER_ROLE',
        `User ${props.freelancer.id} cannot act as a freelancer (role ${props.freelancer.role})`,
      );
    }
    this.title = validate.text('title', props.title, { max: validate.LIMITS.titleMax });
    this.amount = validate.stroops('amount', props.amount);
    this.client = ref(props.client);
    this.freelancer = ref(props.freelancer);
  }

  transitionTo(next: unknown): void {
    const to = validate.oneOf('status', next, CONTRACT_STATUSES);
    if (!canTransition(this.status, to)) throw RuleViolationError.illegalTransition(this.status, to);
    this.status = to;
  }

  reviseAmount(amount: unknown): void {
    const value = validate.stroops('amount', amount);
    if (this.status !== ContractStatus.Draft) throw RuleViolationError.amountLocked(this.status);
    this.amount = value;
  }

  rename(title: unknown): void {
    this.title = validate.text('title', title, { max: validate.LIMITS.titleMax });
  }

  isParty(userId: string): boolean {
    return this.client.id === userId || this.freelancer.id === userId;
  }
}

// MikroORM 6 names an entity after its runtime class name, and names are global within one ORM: a host with its
// own `Contract` entity would clash. The class is ContractDeskContract at run time and Contract in the domain (entities/index.ts).
export { ContractDeskContract as Contract };
