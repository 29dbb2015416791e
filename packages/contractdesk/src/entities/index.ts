import { AdminBootstrap } from './admin-bootstrap.entity';
import { Contract } from './contract.entity';
import { PushSubscription } from './push-subscription.entity';
import { Role } from './role.entity';
import { RoleAssignment } from './role-assignment.entity';
import { RolePermission } from './role-permission.entity';
import { User } from './user.entity';

export { AdminBootstrap, Contract, PushSubscription, Role, RoleAssignment, RolePermission, User };
export { StroopsType } from './stroops.type';

/** The explicit entity list (no globs: discovery must not depend on the working directory or build layout). */
export const ENTITIES = [User, Contract, Role, RolePermission, RoleAssignment, PushSubscription, AdminBootstrap];
