import { randomUUID } from 'node:crypto';
import { Entity, Enum, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { PARTY_ROLES, PartyRole } from '../domain/party-role';
import * as validate from '../domain/validation';

@Entity({ tableName: 'contractdesk_users' })
class ContractDeskUser {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 32 })
  @Unique({ name: 'contractdesk_users_username_unique' })
  username: string;

  @Property({ type: 'string', length: 254 })
  @Unique({ name: 'contractdesk_users_email_unique' })
  email: string;

  @Enum({ items: () => PartyRole, type: 'string', length: 16 })
  role: PartyRole;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  /**
   * The identity provider's subject (`sub`) this user is bound to, set once at registration. Nullable because
   * users created before tokens existed have none (expand step); they cannot sign in until an operator binds
   * one. Unique: two registrations for one subject cannot both win, whatever the concurrency.
   */
  @Property({ type: 'string', length: 255, nullable: true })
  @Unique({ name: 'contractdesk_users_auth_subject_unique' })
  authSubject?: string | null = null;

  /** Validates and normalises (trim, lower-case) so both databases see identical values. */
  constructor(props: { username: unknown; email: unknown; role: unknown; authSubject?: string | null }) {
    this.username = validate.username(props.username);
    this.email = validate.email(props.email);
    this.role = validate.oneOf('role', props.role, PARTY_ROLES);
    this.authSubject = props.authSubject ?? null;
  }
}

// MikroORM 6 names an entity after its runtime class name, and names are global within one ORM: a host with its
// own `User` entity would clash. The class is ContractDeskUser at run time and User in the domain (entities/index.ts).
export { ContractDeskUser as User };
