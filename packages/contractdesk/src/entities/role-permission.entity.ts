import { Entity, ManyToOne, PrimaryKey, PrimaryKeyProp, Property, type Ref, ref } from '@mikro-orm/core';
import * as validate from '../domain/validation';
import { Role } from './role.entity';

/** Join table role+permission. The FK cascades in the database itself, so deleting a role by any path removes its grants. */
@Entity({ tableName: 'role_permissions' })
export class RolePermission {
  [PrimaryKeyProp]?: ['role', 'permission'];

  @ManyToOne({ entity: () => Role, ref: true, primary: true, deleteRule: 'cascade', updateRule: 'cascade' })
  role: Ref<Role>;

  @PrimaryKey({ type: 'string', length: 128 })
  permission: string;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  constructor(role: Role, permission: unknown) {
    this.role = ref(role);
    this.permission = validate.permission(permission);
  }
}
