import type { EntityManager } from '@mikro-orm/knex';
import { RoleAssignment } from '../entities/role-assignment.entity';
import { RolePermission } from '../entities/role-permission.entity';

type Em = EntityManager;

/** Grants a role permissions; a grant it already has stays one row (INSERT … ON CONFLICT DO NOTHING). */
export async function insertPermissions(em: Em, roleId: string, names: string[]): Promise<void> {
  if (names.length === 0) return;
  const now = new Date();
  await em
    .createQueryBuilder(RolePermission)
    .insert(names.map((permission) => ({ role: roleId, permission, createdAt: now })))
    .onConflict(['role', 'permission'])
    .ignore()
    .execute();
}

/** Assigns a role; assigning it twice leaves one row. */
export async function insertAssignment(em: Em, userId: string, roleId: string): Promise<void> {
  await em.createQueryBuilder(RoleAssignment).insert({ user: userId, role: roleId, createdAt: new Date() }).onConflict(['user', 'role']).ignore().execute();
}

/** The union of the grants of every role the user holds, sorted: one query. */
export async function grantsOf(em: Em, userId: string): Promise<string[]> {
  const rows = await em.execute<Array<{ permission: string }>>(
    'select distinct rp.permission from contractdesk_role_permissions rp join contractdesk_role_assignments ra on ra.role_id = rp.role_id where ra.user_id = ? order by rp.permission',
    [userId],
  );
  return rows.map((r) => r.permission);
}
