import { Entity, Index, ManyToOne, PrimaryKeyProp, Property, type Ref, ref } from '@mikro-orm/core';
import { Role } from './role.entity';
import { User } from './user.entity';

/** User ↔ Role. Both FKs cascade: removing a user or a role removes the assignment, nothing else. */
@Entity({ tableName: 'role_assignments' })
@Index({ name: 'role_assignments_role_idx', properties: ['role'] })
export class RoleAssignment {
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
