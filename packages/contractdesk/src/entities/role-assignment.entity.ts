import { Entity, Index, ManyToOne, PrimaryKeyProp, Property, type Ref, ref } from '@mikro-orm/core';
import { Role } from './role.entity';
import { User } from './user.entity';

/** User ↔ Role. Both FKs cascade: removing a user or a role removes the assignment, nothing else. */
@Entity({ tableName: 'contractdesk_role_assignments' })
@Index({ name: 'contractdesk_role_assignments_role_idx', properties: ['role'] })
class ContractDeskRoleAssignment {
  [PrimaryKeyProp]?: ['user', 'role'];

  @ManyToOne({ entity: () => User, ref: true, primary: true, deleteRule: 'cascade', updateRule: 'cascade' })
  user: Ref<User>;

  @ManyToOne({ entity: () => Role, ref: true, primary: true, deleteRule: 'cascade', updateRule: 'cascade' })
  role: Ref<Role>;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  constructor(user: User, role: Role) {
    this.user = ref(user);
    this.role = ref(role);
  }
}

// MikroORM 6 names an entity after its runtime class name, and names are global within one ORM: a host with its
// own `RoleAssignment` entity would clash. The class is ContractDeskRoleAssignment at run time and RoleAssignment in the domain (entities/index.ts).
export { ContractDeskRoleAssignment as RoleAssignment };
