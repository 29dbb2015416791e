import { Entity, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';

/*
 * A host's own entities, named and tabled the way ContractDesk's used to collide with: classes `User`, `Role`,
 * `Contract`; tables `user`, `users`, `role`, `roles`, `contracts`, `permissions`.
 */

@Entity({ tableName: 'user' })
export class User {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Property({ type: 'string' })
  name!: string;
}

@Entity({ tableName: 'roles' })
export class Role {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Property({ type: 'string' })
  name!: string;
}

@Entity({ tableName: 'contracts' })
export class Contract {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne({ entity: () => User, ref: true })
  owner!: Ref<User>;

  @Property({ type: 'string' })
  title!: string;
}

@Entity({ tableName: 'users' })
export class LegacyAccount {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;
}

@Entity({ tableName: 'role' })
export class LegacyRole {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;
}

@Entity({ tableName: 'permissions' })
export class Permission {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;
}

export const HOST_ENTITIES = [User, Role, Contract, LegacyAccount, LegacyRole, Permission];
export const HOST_TABLES = ['user', 'roles', 'contracts', 'users', 'role', 'permissions'];
