import { randomUUID } from 'node:crypto';
import { Entity, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import * as validate from '../domain/validation';

@Entity({ tableName: 'contractdesk_roles' })
class ContractDeskRole {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 64 })
  @Unique({ name: 'contractdesk_roles_name_unique' })
  name: string;

  @Property({ type: 'string', length: 500, default: '' })
  description: string = '';

  /** Higher wins when an operator orders roles; no effect on permission checks. */
  @Property({ type: 'integer', default: 0 })
  priority: number = 0;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  constructor(props: { name: unknown; description?: unknown; priority?: unknown }) {
    this.name = ContractDeskRole.checkName(props.name);
    if (props.description !== undefined) this.describe(props.description);
    if (props.priority !== undefined) this.prioritise(props.priority);
  }

  rename(name: unknown): void {
    this.name = ContractDeskRole.checkName(name);
  }

  describe(description: unknown): void {
    this.description = validate.text('description', description, { min: 0, max: validate.LIMITS.descriptionMax, multiline: true });
  }

  prioritise(priority: unknown): void {
    this.priority = validate.integer('priority', priority, validate.LIMITS.priorityMin, validate.LIMITS.priorityMax);
  }

  static checkName(name: unknown): string {
    return validate.text('name', name, { max: validate.LIMITS.roleNameMax });
  }
}

// MikroORM 6 names an entity after its runtime class name, and names are global within one ORM: a host with its
// own `Role` entity would clash. The class is ContractDeskRole at run time and Role in the domain (entities/index.ts).
export { ContractDeskRole as Role };
