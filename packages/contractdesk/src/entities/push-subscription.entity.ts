import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property, type Ref, Unique } from '@mikro-orm/core';
import { User } from './user.entity';

/**
 * A Web Push endpoint owned by exactly one account: `endpoint` is unique and the owner never changes.
 * Rows are written by PushSubscriptionService's single-statement claim, never by a plain flush.
 */
@Entity({ tableName: 'contractdesk_push_subscriptions' })
@Index({ name: 'contractdesk_push_subscriptions_user_idx', properties: ['user'] })
class ContractDeskPushSubscription {
  [OptionalProps]?: 'id' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 1000 })
  @Unique({ name: 'contractdesk_push_subscriptions_endpoint_unique' })
  endpoint!: string;

  @Property({ type: 'string', length: 100 })
  p256dh!: string;

  @Property({ type: 'string', length: 32 })
  auth!: string;

  @ManyToOne({ entity: () => User, ref: true, deleteRule: 'cascade', updateRule: 'cascade' })
  user!: Ref<User>;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime' })
  updatedAt: Date = new Date();
}

// MikroORM 6 names an entity after its runtime class name, and names are global within one ORM: a host with its
// own `PushSubscription` entity would clash. The class is ContractDeskPushSubscription at run time and PushSubscription in the domain (entities/index.ts).
export { ContractDeskPushSubscription as PushSubscription };
