import { expect } from 'chai';
import { AccessService } from '../../src/services/access.service';
import { UserService } from '../../src/services/user.service';
import { RoleAssignment } from '../../src/entities/role-assignment.entity';
import { RolePermission } from '../../src/entities/role-permission.entity';
import { Role } from '../../src/entities/role.entity';
import { describeEachDialect } from '../helpers/orm';
import { expectDomainError } from '../helpers/expect-error';
import { uniqueName } from '../helpers/factories';

describeEachDialect('AccessService', (db) => {
  const access = () => new AccessService(db.em());
  const newUser = () => {
    const name = uniqueName();
    return new UserService(db.em()).register({ username: name, email: `${name}@example.org`, role: 'both' });
  };
  const MISSING = '0f0f0f0f-0000-4000-8000-000000000000';
  /** Only a user bound to a token subject may claim the first administrator. */
  const newSubjectUser = () => {
    const name = uniqueName();
    return new UserService(db.em()).register({ username: name, email: `${name}@example.org`, role: 'both' }, `subject-${name}`);
  };

  it('creates, updates, renames and lists roles; names are unique', async () => {
    const support = await access().createRole({ name: 'Support', description: 'Front line', priority: 10 });
    await access().createRole({ name: 'Admin', priority: 100 });
    await expectDomainError(access().createRole({ name: 'Support' }), 'ROLE.NAME_TAKEN');
    await expectDomainError(access().renameRole(support.id, 'Admin'), 'ROLE.NAME_TAKEN');
    const renamed = await access().updateRole(support.id, { name: 'Support L1', priority: 5 });
    expect(renamed).to.deep.include({ name: 'Support L1', priority: 5, description: 'Front line' });
    expect((await access().listRoles()).map((r) => r.name)).to.deep.equal(['Admin', 'Support L1']);
    await expectDomainError(access().renameRole(MISSING, 'x'), 'ROLE.NOT_FOUND');
  });

  it('grant and revoke are idempotent', async () => {
    const role = await access().createRole({ name: 'Ops' });
    await access().grant(role.id, 'contracts.read');
    await access().grant(role.id, 'contracts.read');
    await access().grant(role.id, 'users:*');
    expect(await access().listPermissions(role.id)).to.deep.equal(['contracts.read', 'users:*']);
    await access().revoke(role.id, 'contracts.read');
    await access().revoke(role.id, 'contracts.read');
    expect(await access().listPermissions(role.id)).to.deep.equal(['users:*']);
    await expectDomainError(access().grant(MISSING, 'contracts.read'), 'ROLE.NOT_FOUND');
  });

  it('setPermissions replaces the whole set in one transaction', async () => {
    const role = await access().createRole({ name: 'Editor' });
    await access().setPermissions(role.id, ['a.read', 'b.read', 'c.read']);
    const result = await access().setPermissions(role.id, ['c.read', 'd.write', 'd.write']);
    expect(result).to.deep.equal(['c.read', 'd.write']);
    expect(await access().listPermissions(role.id)).to.deep.equal(['c.read', 'd.write']);
    // An invalid entry rejects the whole replacement before anything is written.
    await expectDomainError(() => access().setPermissions(role.id, ['e.read', 'NOT VALID']), 'VALIDATION.INVALID_PERMISSION');
    expect(await access().listPermissions(role.id)).to.deep.equal(['c.read', 'd.write']);
    await access().setPermissions(role.id, []);
    expect(await access().listPermissions(role.id)).to.deep.equal([]);
  });

  it('concurrent replacements of one role end with exactly one caller’s set, never a union', async () => {
    const role = await access().createRole({ name: 'Contended' });
    const sets = Array.from({ length: 8 }, (_, i) => Array.from({ length: 5 }, (_, j) => `set${i}.perm${j}`));
    const results = await Promise.allSettled(sets.map((set) => access().setPermissions(role.id, set)));
    expect(results.every((r) => r.status === 'fulfilled'), JSON.stringify(results.filter((r) => r.status === 'rejected'))).to.equal(true);
    const final = await access().listPermissions(role.id);
    expect(sets.map((s) => s.join())).to.include(final.join());
  });

  it('assigns roles to users; permissionsOf is the union; can() honours exact, prefix and * grants', async () => {
    const user = await newUser();
    const reader = await access().createRole({ name: 'Reader' });
    const pusher = await access().createRole({ name: 'Pusher' });
    await access().setPermissions(reader.id, ['contracts.read', 'users.read']);
    await access().setPermissions(pusher.id, ['push.*']);
    expect(await access().can(user.id, 'contracts.read')).to.equal(false);
    await access().assignRole(user.id, reader.id);
    await access().assignRole(user.id, reader.id);
    await access().assignRole(user.id, pusher.id);
    expect(await access().permissionsOf(user.id)).to.deep.equal(['contracts.read', 'push.*', 'users.read']);
    expect(await access().can(user.id, 'contracts.read')).to.equal(true);
    expect(await access().can(user.id, 'contracts.write')).to.equal(false);
    expect(await access().can(user.id, 'push.send')).to.equal(true);
    expect(await access().can(user.id, 'push')).to.equal(false);
    expect(await access().can(user.id, 'pushy.send')).to.equal(false);
    expect((await access().rolesOf(user.id)).map((r) => r.name).sort()).to.deep.equal(['Pusher', 'Reader']);

    const admin = await access().createRole({ name: 'Admin' });
    await access().grant(admin.id, '*');
    const root = await newUser();
    await access().assignRole(root.id, admin.id);
    expect(await access().can(root.id, 'anything.at:all')).to.equal(true);

    await access().unassignRole(user.id, pusher.id);
    expect(await access().can(user.id, 'push.send')).to.equal(false);
    await expectDomainError(access().assignRole(user.id, MISSING), 'ROLE.NOT_FOUND');
    await expectDomainError(access().assignRole(MISSING, reader.id), 'USER.NOT_FOUND');
    await expectDomainError(() => access().can(user.id, 'push.*'), 'VALIDATION.INVALID_PERMISSION');
  });

  it('deleting a role removes its grants and assignments (database cascade) and nothing else', async () => {
    const user = await newUser();
    const doomed = await access().createRole({ name: 'Doomed' });
    const kept = await access().createRole({ name: 'Kept' });
    await access().setPermissions(doomed.id, ['a.x', 'b.x']);
    await access().setPermissions(kept.id, ['c.x']);
    await access().assignRole(user.id, doomed.id);
    await access().assignRole(user.id, kept.id);
    await access().deleteRole(doomed.id);
    await expectDomainError(access().deleteRole(doomed.id), 'ROLE.NOT_FOUND');
    expect(await db.em().count(Role)).to.equal(1);
    expect(await db.em().count(RolePermission)).to.equal(1);
    expect(await db.em().count(RoleAssignment)).to.equal(1);
    expect(await access().permissionsOf(user.id)).to.deep.equal(['c.x']);
  });
  it('refuses operations on a missing role or user instead of succeeding (issue 23)', async () => {
    const user = await newUser();
    const role = await access().createRole({ name: 'Present' });
    // Each of these used to succeed: a DELETE of nothing, an empty set inserting nothing, empty reads.
    await expectDomainError(access().revoke(MISSING, 'users.manage'), 'ROLE.NOT_FOUND');
    await expectDomainError(access().setPermissions(MISSING, []), 'ROLE.NOT_FOUND');
    await expectDomainError(access().setPermissions(MISSING, ['a.b']), 'ROLE.NOT_FOUND');
    await expectDomainError(access().rolesOf(MISSING), 'USER.NOT_FOUND');
    await expectDomainError(access().permissionsOf(MISSING), 'USER.NOT_FOUND');
    await expectDomainError(access().can(MISSING, 'contracts.read'), 'USER.NOT_FOUND');
    // Present but empty is still an empty answer, not an error.
    await access().revoke(role.id, 'never.granted');
    expect(await access().setPermissions(role.id, [])).to.deep.equal([]);
    expect(await access().rolesOf(user.id)).to.deep.equal([]);
    expect(await access().permissionsOf(user.id)).to.deep.equal([]);
    expect(await access().can(user.id, 'contracts.read')).to.equal(false);
    expect(await db.em().count(RolePermission)).to.equal(0);
  });

  it('the first-administrator claim never grants to an existing role: an operator-made "administrator" role and its members are left as they were (issue 23)', async () => {
    const [member, claimant] = [await newUser(), await newSubjectUser()];
    const existing = await access().createRole({ name: 'administrator', description: 'made by an operator' });
    await access().setPermissions(existing.id, ['contracts.read']);
    await access().assignRole(member.id, existing.id);

    const created = await access().claimFirstAdmin(claimant.id);
    expect(created.id).not.to.equal(existing.id);
    expect(created.name).to.match(/^administrator-[0-9a-f]{8}$/);
    expect(await access().listPermissions(created.id)).to.deep.equal(['roles.manage']);
    expect((await access().rolesOf(claimant.id)).map((r) => r.id)).to.deep.equal([created.id]);
    // The existing role, and so its members, gained nothing.
    expect(await access().listPermissions(existing.id)).to.deep.equal(['contracts.read']);
    expect(await access().can(member.id, 'roles.manage')).to.equal(false);
    expect(await access().can(claimant.id, 'roles.manage')).to.equal(true);
  });

  it('the claim on a fresh install creates the role "administrator"', async () => {
    const claimant = await newSubjectUser();
    const created = await access().claimFirstAdmin(claimant.id);
    expect(created.name).to.equal('administrator');
    expect(await access().listPermissions(created.id)).to.deep.equal(['roles.manage']);
  });
});
