import { AdminBootstrap } from './admin-bootstrap.entity';
import { Contract } from './contract.entity';
import { PushSubscription } from './push-subscription.entity';
import { Role } from './role.entity';
import { RoleAssignment } from './role-assignment.entity';
import { RolePermission } from './role-permission.entity';
import { User } from './user.entity';

export { AdminBootstrap, Contract, PushSubscription, Role, RoleAssignment, RolePermission, User };
export { StroopsType } from './stroops.type';

/**
 * ContractDesk's entities, for a host's own ORM (`entities: [...yours, ...contractDeskEntities]`, or picked up by
 * `ContractDeskModule.forFeature()` with `autoLoadEntities`). An explicit list, no globs: discovery must not depend
 * on the working directory or build layout.
 *
 * Both their metadata names and their tables carry a namespace, so they sit beside a host's `User`, `Role` or
 * `Contract` and its `user`, `users`, `roles`, `contracts` tables: the runtime class names are `ContractDesk…`
 * (MikroORM 6 keys entities by class name) and every table, index and unique constraint starts `contractdesk_`.
 */
export const contractDeskEntities = [User, Contract, Role, RolePermission, RoleAssignment, PushSubscription, AdminBootstrap] as const;

/** The table in which ContractDesk records its applied migrations (never the host's `mikro_orm_migrations`). */
export const CONTRACTDESK_MIGRATIONS_TABLE = 'contractdesk_migrations';

/**
 * Every table ContractDesk owns, its migrations table included. A host puts them in its MikroORM config's
 * `schemaGenerator.skipTables`, so its own `migration:create` and `schema:update` neither copy nor drop them.
 */
export const contractDeskTables: readonly string[] = Object.freeze([
  'contractdesk_users',
  'contractdesk_contracts',
  'contractdesk_roles',
  'contractdesk_role_permissions',
  'contractdesk_role_assignments',
  'contractdesk_push_subscriptions',
  'contractdesk_admin_bootstrap',
  CONTRACTDESK_MIGRATIONS_TABLE,
]);
