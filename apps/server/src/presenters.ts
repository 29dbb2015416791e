import { type Contract, type ContractView, contractView, contractViewBody } from 'contractdesk';
import type { PushSubscription } from 'contractdesk';
import type { Role } from 'contractdesk';
import type { User } from 'contractdesk';

/** Response shapes. Explicit fields only: nothing is exposed by accident, and int64 amounts travel as decimal strings. */

/** The email address is shown to the user themself only (`viewer` = the caller's id). */
export function presentUser(user: User, viewer: string | undefined) {
  const shown = { id: user.id, username: user.username, role: user.role, createdAt: user.createdAt.toISOString() };
  return viewer === user.id ? { ...shown, email: user.email } : shown;
}

/** A read model as it is, an entity (what a write returns) through the same view: one body shape for both. */
export function presentContract(contract: Contract | ContractView) {
  return contractViewBody('client' in contract ? contractView(contract) : contract);
}

export function presentRole(role: Role) {
  return {
    id: role.id,
    name: role.name,
    description: role.description,
    priority: role.priority,
    createdAt: role.createdAt.toISOString(),
    updatedAt: role.updatedAt.toISOString(),
  };
}

/** The auth secret stays server-side: the owner already has it, nobody else needs it. */
export function presentPushSubscription(sub: PushSubscription) {
  return {
    id: sub.id,
    endpoint: sub.endpoint,
    userId: sub.user.id,
    createdAt: new Date(sub.createdAt).toISOString(),
    updatedAt: new Date(sub.updatedAt).toISOString(),
  };
}
