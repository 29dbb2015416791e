import { LockMode } from '@mikro-orm/core';
import { Role } from '../entities/role.entity';
import { RoleAssignment } from '../entities/role-assignment.entity';
import { RolePermission } from '../entities/role-permission.entity';
import { User } from '../entities/user.entity';
import { grantsOf, insertAssignment, insertPermissions } from '../db/access-queries';
import { claimAdminBootstrap } from '../db/admin-bootstrap';
import { anyGrantCovers } from '../domain/permissions';
import * as validate from '../domain/validation';
import { ConflictError, NotFoundError, ValidationError } from '../errors/domain-error';
import { type Em, TransactionScope } from './transaction-scope';

export interface RoleInput {
  name: unknown;
  description?: unknown;
  priority?: unknown;
}

const MAX_PERMISSIONS_PER_ROLE = 500;
const BOOTSTRAP_ROLE = 'administrator';
const BOOTSTRAP_PERMISSION = 'roles.manage';

export class AccessService {
  private readonly tx: TransactionScope;

  constructor(em: Em) {
    this.tx = new TransactionScope(em);
  }

  /** The unique index on `name` decides; a duplicate is ROLE.NAME_TAKEN. */
  async createRole(input: RoleInput): Promise<Role> {
    const role = new Role(validate.record<RoleInput>('input', input));
    return this.tx.write(async (em) => {
      em.persist(role);
      await em.flush();
      return role;
    });
  }

  getRole(id: unknown): Promise<Role> {
    const roleId = validate.uuid('roleId', id);
    return this.tx.read(async (em) => {
      const role = await em.findOne(Role, { id: roleId });
      if (!role) throw NotFoundError.role(roleId);
      return role;
    });
  }

  listRoles(): Promise<Role[]> {
    return this.tx.read((em) => em.find(Role, {}, { orderBy: { priority: 'desc', name: 'asc' } }));
  }

  /** Role edits are last-writer-wins per field (roles carry no version); a rename to a taken name is ROLE.NAME_TAKEN. */
  updateRole(id: unknown, changes: Partial<RoleInput>): Promise<Role> {
    const roleId = validate.uuid('roleId', id);
    validate.record('changes', changes);
    return this.tx.write(async (em) => {
      const role = await em.findOne(Role, { id: roleId });
      if (!role) throw NotFoundError.role(roleId);
      if (changes.name !== undefined) role.rename(changes.name);
      if (changes.description !== undefined) role.describe(changes.description);
      if (changes.priority !== undefined) role.prioritise(changes.priority);
      await em.flush();
      return role;
    });
  }

  renameRole(id: unknown, name: unknown): Promise<Role> {
    return this.updateRole(id, { name });
  }

  /** One DELETE; the database cascades to role_permissions and role_assignments. */
  async deleteRole(id: unknown): Promise<void> {
    const roleId = validate.uuid('roleId', id);
    const deleted = await this.tx.write((em) => em.nativeDelete(Role, { id: roleId }));
    if (deleted === 0) throw NotFoundError.role(roleId);
  }

  /** Idempotent: granting twice leaves one row (INSERT … ON CONFLICT DO NOTHING). */
  async grant(roleId: unknown, permission: unknown): Promise<void> {
    const id = validate.uuid('roleId', roleId);
    const name = validate.permission(permission);
    await this.writeForRole(id, (em) => insertPermissions(em, id, [name]));
  }

  /** Idempotent: revoking a permission the role lacks is not an error; a role that does not exist is ROLE.NOT_FOUND. */
  async revoke(roleId: unknown, permission: unknown): Promise<void> {
    const id = validate.uuid('roleId', roleId);
    const name = validate.permission(permission);
    await this.writeForRole(id, async (em) => {
      // A DELETE of nothing succeeds whether or not the role exists; only the row can tell.
      if (!(await em.count(Role, { id }))) throw NotFoundError.role(id);
      await em.nativeDelete(RolePermission, { role: id, permission: name });
    });
  }

  /**
   * Replaces a role's whole permission set in one transaction: lock the role row, delete, insert.
   * The row lock (FOR UPDATE on PostgreSQL; BEGIN IMMEDIATE on SQLite) serialises concurrent
   * replacements, so the result is always exactly one caller's set, never a union.
   */
  async setPermissions(roleId: unknown, permissions: unknown): Promise<string[]> {
    const id = validate.uuid('roleId', roleId);
    if (!Array.isArray(permissions)) throw new ValidationError('VALIDATION.TYPE', 'permissions', 'permissions must be an array');
    if (permissions.length > MAX_PERMISSIONS_PER_ROLE) {
      throw new ValidationError('VALIDATION.TOO_LONG', 'permissions', `a role holds at most ${MAX_PERMISSIONS_PER_ROLE} permissions`);
    }
    // Array.from visits holes of a sparse array (map skips them), so `[, 'a.b']` fails validation instead of reaching SQL.
    const names = [...new Set(Array.from(permissions, (p, i) => validate.permission(p, `permissions[${i}]`)))].sort();
    await this.writeForRole(id, async (em) => {
      // The lock doubles as the existence check: an empty set inserts nothing, so no foreign key would catch it.
      const role = await em.findOne(Role, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!role) throw NotFoundError.role(id);
      await em.nativeDelete(RolePermission, { role: id });
      await insertPermissions(em, id, names);
    });
    return names;
  }

  listPermissions(roleId: unknown): Promise<string[]> {
    const id = validate.uuid('roleId', roleId);
    return this.tx.read(async (em) => {
      const role = await em.findOne(Role, { id });
      if (!role) throw NotFoundError.role(id);
      const rows = await em.find(RolePermission, { role: id }, { orderBy: { permission: 'asc' } });
      return rows.map((r) => r.permission);
    });
  }

  /** Idempotent. Both rows must exist; the FKs catch one deleted concurrently. */
  async assignRole(userId: unknown, roleId: unknown): Promise<void> {
    const uid = validate.uuid('userId', userId);
    const rid = validate.uuid('roleId', roleId);
    await this.tx.write(async (em) => {
      await requireUserAndRole(em, uid, rid);
      await insertAssignment(em, uid, rid);
    });
  }

  async unassignRole(userId: unknown, roleId: unknown): Promise<void> {
    const uid = validate.uuid('userId', userId);
    const rid = validate.uuid('roleId', roleId);
    await this.tx.write(async (em) => {
      await requireUserAndRole(em, uid, rid);
      await em.nativeDelete(RoleAssignment, { user: uid, role: rid });
    });
  }

  /** The user's roles; USER.NOT_FOUND for a user that does not exist (not an empty list). */
  rolesOf(userId: unknown): Promise<Role[]> {
    const uid = validate.uuid('userId', userId);
    return this.tx.read(async (em) => {
      const assignments = await em.find(RoleAssignment, { user: uid }, { populate: ['role'] });
      // Assignments cascade with their user, so any row proves the user exists; only an empty answer needs a look.
      if (assignments.length === 0 && !(await em.count(User, { id: uid }))) throw NotFoundError.user(uid);
      return assignments.map((a) => a.role.getEntity()).sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
    });
  }

  /** The union of the grants of every role the user holds, sorted (one query); USER.NOT_FOUND for a missing user. */
  permissionsOf(userId: unknown): Promise<string[]> {
    const uid = validate.uuid('userId', userId);
    return this.tx.read(async (em) => {
      const grants = await grantsOf(em, uid);
      if (grants.length === 0) await requireUserOnPrimary(em, uid);
      return grants;
    });
  }

  /**
   * Whether any of the user's grants covers `permission` (`*` and `prefix.*` wildcards); USER.NOT_FOUND for a
   * missing user. Grants are read on the primary (they authorize requests); a covering grant proves the user
   * exists, so the extra existence check only runs for a "no".
   */
  async can(userId: unknown, permission: unknown): Promise<boolean> {
    const uid = validate.uuid('userId', userId);
    const wanted = validate.permission(permission);
    if (wanted.includes('*')) {
      throw new ValidationError('VALIDATION.INVALID_PERMISSION', 'permission', 'ask about a concrete permission, not a wildcard');
    }
    return this.tx.read(async (em) => {
      if (anyGrantCovers(await grantsOf(em, uid), wanted)) return true;
      await requireUserOnPrimary(em, uid);
      return false;
    });
  }

  /**
   * The one-time bootstrap: the first caller to claim becomes administrator (a new role holding `roles.manage`,
   * assigned to them); every later claim is ACCESS.BOOTSTRAP_CLOSED. The role is always created by the claim,
   * never an existing one reused: granting `roles.manage` to a role an operator already handed out would make
   * all of its members role administrators. It is named `administrator`, or `administrator-<8 hex>` when that
   * name is taken. The claim itself is one
   * atomic insert (db/admin-bootstrap.ts) and its row is never deleted, so revoking the grant, deleting the
   * role or deleting the claimant does not re-open the bootstrap. Role, grant and assignment are written in
   * the claim's transaction: a failure leaves the bootstrap unclaimed.
   */
  async claimFirstAdmin(userId: unknown): Promise<Role> {
    const uid = validate.uuid('userId', userId);
    return this.tx.write(async (em) => {
      const user = await em.findOne(User, { id: uid });
      if (!user) throw NotFoundError.user(uid);
      if (!user.authSubject) throw ConflictError.bootstrapClosed();
      if (!(await claimAdminBootstrap(em, { userId: uid, authSubject: user.authSubject }))) throw ConflictError.bootstrapClosed();
      const taken = (await em.count(Role, { name: BOOTSTRAP_ROLE })) > 0;
      const role = new Role({ name: BOOTSTRAP_ROLE, description: 'Role administrators (created by the first-administrator claim)', priority: 1000 });
      if (taken) role.rename(`${BOOTSTRAP_ROLE}-${role.id.slice(0, 8)}`);
      em.persist(role);
      await em.flush();
      await insertPermissions(em, role.id, [BOOTSTRAP_PERMISSION]);
      await em.createQueryBuilder(RoleAssignment).insert({ user: uid, role: role.id, createdAt: new Date() }).onConflict(['user', 'role']).ignore().execute();
      return role;
    });
  }

  private async writeForRole<T>(roleId: string, work: (em: Em) => Promise<T>): Promise<T> {
    try {
      return await this.tx.write(work);
    } catch (error) {
      if (error instanceof ConflictError && error.code === 'DB.REFERENCE_VIOLATION') throw NotFoundError.role(roleId);
      throw error;
    }
  }
}

/** Read where grantsOf reads (em.execute: the primary outside a transaction), so a "no" and a "not found" agree. */
async function requireUserOnPrimary(em: Em, userId: string): Promise<void> {
  if (!(await em.count(User, { id: userId }, { connectionType: 'write' }))) throw NotFoundError.user(userId);
}

async function requireUserAndRole(em: Em, userId: string, roleId: string): Promise<void> {
  const [user, role] = await Promise.all([em.count(User, { id: userId }), em.count(Role, { id: roleId })]);
  if (!user) throw NotFoundError.user(userId);
  if (!role) throw NotFoundError.role(roleId);
}
