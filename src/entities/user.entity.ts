import { randomUUID } from 'node:crypto';
import { Entity, Enum, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { PARTY_ROLES, PartyRole } from '../domain/party-role';
import * as validate from '../domain/validation';

@Entity({ tableName: 'users' })
export class User {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 32 })
  @Unique({ name: 'users_username_unique' })
  username: string;

  @Property({ type: 'string', length: 254 })
  @Unique({ name: 'users_email_unique' })
  email: string;

  @Enum({ items: () => PartyRole, type: 'string', length: 16 })
  role: PartyRole;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  /** Validates and normalises (trim, lower-case) so both databases see identical values. */
  constructor(props: { username: unknown; email: unknown; role: unknown }) {
    this.username = validate.username(props.username);
    this.email = validate.email(props.email);
    this.role = validate.oneOf('role', props.role, PARTY_ROLES);
  }
}
