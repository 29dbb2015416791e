import { Entity, ManyToOne, PrimaryKey, PrimaryKeyProp, Property, type Ref, ref } from '@mikro-orm/core';
import * as validate from '../domain/validation';
import { Role } from './role.entity';

/** Join table role+permission. The FK cascades in the database itself, so deleting a role by any path removes its grants. */
@Entity({ tableName: 'contractdesk_role_permissions' })
class ContractDeskRolePermission {
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

// MikroORM 6 names an entity after its runtime class name, and names are global within one ORM: a host with its
// own `RolePermission` entity would clash. The class is ContractDeskRolePermission at run time and RolePermission in the domain (entities/index.ts).
export { ContractDeskRolePermission as RolePermission };
