import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { PushSubscription } from '../../../../packages/contractdesk/src/entities/push-subscription.entity';
import { AdminBootstrap } from '../../../../packages/contractdesk/src/entities/admin-bootstrap.entity';
import { Role } from '../../../../packages/contractdesk/src/entities/role.entity';
import { RoleAssignment } from '../../../../packages/contractdesk/src/entities/role-assignment.entity';
import { describeEachDialect } from '../../../../packages/contractdesk/test/helpers/orm';
import { fcmEndpoint, pushKeys } from '../../../../packages/contractdesk/test/helpers/factories';
import { type RegisteredUser, type RunningApp, registerUser, startApp, useApp } from './http';

/** Fresh install: the first caller claims the one-time bootstrap and holds the `administrator` role. */
async function bootstrapAdmin(app: RunningApp, admin: RegisteredUser): Promise<string> {
  const role = await app.request('POST', '/roles/bootstrap', { as: admin.id });
  expect(role.status, JSON.stringify(role.body)).to.equal(201);
  expect(role.body.name).to.equal('administrator');
  return role.body.id;
}

describeEachDialect(
  'app e2e: roles and push subscriptions',
  (db) => {
    describe('over HTTP', () => {
      const app = useApp(() => db.env);

      describe('roles', () => {
        it('bootstrap: closed to everyone but a one-time claim; once claimed it never re-opens (revoke, delete role, delete user)', async () => {
          const admin = await registerUser(app(), 'both', 'admin');
          const other = await registerUser(app(), 'both', 'other');
          const anon = await app().request('POST', '/roles/bootstrap');
          expect(anon.status).to.equal(401);
          const unregistered = await app().request('POST', '/roles/bootstrap', { subject: `nobody|${randomUUID()}` });
          expect(unregistered.status).to.equal(401);
          expect(unregistered.body.code).to.equal('AUTH.NOT_REGISTERED');
          // No implicit "nobody is admin yet, so everybody is" rule any more.
          expect((await app().request('POST', '/roles', { as: admin.id, body: { name: 'x' } })).status).to.equal(403);

          const roleId = await bootstrapAdmin(app(), admin);
          const second = await app().request('POST', '/roles/bootstrap', { as: other.id });
          expect(second.status).to.equal(409);
          expect(second.body.code).to.equal('ACCESS.BOOTSTRAP_CLOSED');
          const refused = await app().request('POST', '/roles', { as: other.id, body: { name: 'sneaky' } });
          expect(refused.status).to.equal(403);
          expect(refused.body.code).to.equal('AUTH.FORBIDDEN');
          const selfAssign = await app().request('PUT', `/users/${other.id}/roles/${roleId}`, { as: other.id });
          expect(selfAssign.status).to.equal(403);
          expect((await app().request('GET', `/users/${admin.id}/can/roles.manage`, { as: admin.id })).body).to.deep.equal({
            permission: 'roles.manage',
            allowed: true,
          });

          // The admin revokes the grant, then deletes the role: nobody holds roles.manage, and it stays closed.
          expect((await app().request('DELETE', `/roles/${roleId}/permissions/roles.manage`, { as: admin.id })).status).to.equal(204);
          expect((await app().request('POST', '/roles/bootstrap', { as: other.id })).body.code).to.equal('ACCESS.BOOTSTRAP_CLOSED');
          expect((await app().request('POST', '/roles', { as: other.id, body: { name: 'sneaky' } })).status).to.equal(403);
          expect((await app().request('POST', '/roles/bootstrap', { as: admin.id })).status).to.equal(409);
          expect((await app().request('DELETE', `/users/${admin.id}`, { as: admin.id })).status).to.equal(204);
          const afterDelete = await app().request('POST', '/roles/bootstrap', { as: other.id });
          expect(afterDelete.status).to.equal(409);
          expect((await app().request('POST', '/roles', { as: other.id, body: { name: 'sneaky' } })).status).to.equal(403);
          expect(await db.em().count(Role, { name: 'sneaky' })).to.equal(0);
          expect(await db.em().count(AdminBootstrap, {})).to.equal(1);
        });

        it('create/get/list/update/delete, grant/revoke, PUT permission set, assign/unassign, permissions and can', async () => {
          const admin = await registerUser(app(), 'both', 'admin');
          const member = await registerUser(app(), 'both', 'member');
          await bootstrapAdmin(app(), admin);

          const created = await app().request('POST', '/roles', { as: admin.id, body: { name: 'editors', priority: 5 } });
          expect(created.status).to.equal(201);
          expect(created.body).to.include({ name: 'editors', priority: 5, description: '' });
          const id = created.body.id;
          expect((await app().request('GET', `/roles/${id}`, { as: member.id })).body.name).to.equal('editors');
          const list = await app().request('GET', '/roles', { as: member.id });
          expect(list.body.items.map((r: { name: string }) => r.name)).to.deep.equal(['administrator', 'editors']);

          const updated = await app().request('PATCH', `/roles/${id}`, { as: admin.id, body: { description: 'Edit things' } });
          expect(updated.status).to.equal(200);
          expect(updated.body).to.include({ name: 'editors', description: 'Edit things', priority: 5 });

          const set = await app().request('PUT', `/roles/${id}/permissions`, { as: admin.id, body: { permissions: ['contracts.read', 'push:*', 'contracts.read'] } });
          expect(set.status).to.equal(200);
          expect(set.body.permissions).to.deep.equal(['contracts.read', 'push:*']);
          expect((await app().request('PUT', `/roles/${id}/permissions/users.manage`, { as: admin.id })).status).to.equal(204);
          expect((await app().request('DELETE', `/roles/${id}/permissions/push:*`, { as: admin.id })).status).to.equal(204);
          expect((await app().request('GET', `/roles/${id}/permissions`, { as: member.id })).body.permissions).to.deep.equal(['contracts.read', 'users.manage']);

          expect((await app().request('PUT', `/users/${member.id}/roles/${id}`, { as: admin.id })).status).to.equal(204);
          expect((await app().request('GET', `/users/${member.id}/roles`, { as: member.id })).body.items.map((r: { id: string }) => r.id)).to.deep.equal([id]);
          expect((await app().request('GET', `/users/${member.id}/permissions`, { as: member.id })).body).to.deep.equal({
            permissions: ['contracts.read', 'users.manage'],
          });
          expect((await app().request('GET', `/users/${member.id}/can/contracts.read`, { as: admin.id })).body.allowed).to.equal(true);
          expect((await app().request('GET', `/users/${member.id}/can/roles.manage`, { as: member.id })).body.allowed).to.equal(false);
          // Someone else's permissions are not theirs to read without roles.manage.
          expect((await app().request('GET', `/users/${admin.id}/permissions`, { as: member.id })).status).to.equal(403);

          expect((await app().request('DELETE', `/users/${member.id}/roles/${id}`, { as: admin.id })).status).to.equal(204);
          expect(await db.em().count(RoleAssignment, { user: member.id })).to.equal(0);
          expect((await app().request('DELETE', `/roles/${id}`, { as: admin.id })).status).to.equal(204);
          const gone = await app().request('GET', `/roles/${id}`, { as: admin.id });
          expect(gone.status).to.equal(404);
          expect(gone.body.code).to.equal('ROLE.NOT_FOUND');
        });

        it('error mapping: duplicate name 409, bad permission 400, wildcard question 400, unknown role/user 404', async () => {
          const admin = await registerUser(app(), 'both', 'admin');
          const adminRole = await bootstrapAdmin(app(), admin);
          const dup = await app().request('POST', '/roles', { as: admin.id, body: { name: 'administrator' } });
          expect(dup.status).to.equal(409);
          expect(dup.body.code).to.equal('ROLE.NAME_TAKEN');
          const badPerm = await app().request('PUT', `/roles/${adminRole}/permissions/Not%20Valid`, { as: admin.id });
          expect(badPerm.status).to.equal(400);
          expect(badPerm.body.code).to.equal('VALIDATION.INVALID_PERMISSION');
          const badSet = await app().request('PUT', `/roles/${adminRole}/permissions`, { as: admin.id, body: { permissions: 'roles.manage' } });
          expect(badSet.status).to.equal(400);
          expect(badSet.body.field).to.equal('permissions');
          const wildcard = await app().request('GET', `/users/${admin.id}/can/*`, { as: admin.id });
          expect(wildcard.status).to.equal(400);
          const missingRole = await app().request('PUT', `/roles/${randomUUID()}/permissions/a.b`, { as: admin.id });
          expect(missingRole.status).to.equal(404);
          expect(missingRole.body.code).to.equal('ROLE.NOT_FOUND');
          const missingUser = await app().request('PUT', `/users/${randomUUID()}/roles/${adminRole}`, { as: admin.id });
          expect(missingUser.status).to.equal(404);
          expect(missingUser.body.code).to.equal('USER.NOT_FOUND');
          expect((await app().request('DELETE', `/roles/${randomUUID()}`, { as: admin.id })).status).to.equal(404);
        });
      });

      describe('push subscriptions', () => {
        it('subscribe 201, refresh 200, list, unsubscribe 204 then 404; only the user themself (403)', async () => {
          const alice = await registerUser(app());
          const bob = await registerUser(app());
          const endpoint = fcmEndpoint();
          const path = `/users/${alice.id}/push-subscriptions`;
          const first = await app().request('POST', path, { as: alice.id, body: { endpoint, keys: pushKeys() } });
          expect(first.status, JSON.stringify(first.body)).to.equal(201);
          expect(first.body).to.include({ endpoint, userId: alice.id });
          expect(first.body).not.to.have.property('auth');
          await new Promise((r) => setTimeout(r, 5));
          const refreshed = await app().request('POST', path, { as: alice.id, body: { endpoint, keys: pushKeys('new') } });
          expect(refreshed.status).to.equal(200);
          expect(refreshed.body.id).to.equal(first.body.id);
          const list = await app().request('GET', path, { as: alice.id });
          expect(list.body.items.map((s: { endpoint: string }) => s.endpoint)).to.deep.equal([endpoint]);

          expect((await app().request('GET', path, { as: bob.id })).status).to.equal(403);
          expect((await app().request('POST', path, { as: bob.id, body: { endpoint: fcmEndpoint(), keys: pushKeys() } })).status).to.equal(403);
          expect((await app().request('DELETE', `${path}?endpoint=${encodeURIComponent(endpoint)}`, { as: bob.id })).status).to.equal(403);

          const del = await app().request('DELETE', `${path}?endpoint=${encodeURIComponent(endpoint)}`, { as: alice.id });
          expect(del.status).to.equal(204);
          const again = await app().request('DELETE', path, { as: alice.id, body: { endpoint } });
          expect(again.status).to.equal(404);
          expect(again.body.code).to.equal('PUSH.NOT_FOUND');
          expect(await db.em().count(PushSubscription, {})).to.equal(0);
        });

        it('claimed endpoint 409, unsafe endpoint 400, unregistered caller 401', async () => {
          const alice = await registerUser(app());
          const bob = await registerUser(app());
          const endpoint = fcmEndpoint();
          await app().request('POST', `/users/${alice.id}/push-subscriptions`, { as: alice.id, body: { endpoint, keys: pushKeys() } });
          const claimed = await app().request('POST', `/users/${bob.id}/push-subscriptions`, { as: bob.id, body: { endpoint, keys: pushKeys() } });
          expect(claimed.status).to.equal(409);
          expect(claimed.body.code).to.equal('PUSH.ENDPOINT_CLAIMED');
          const ssrf = await app().request('POST', `/users/${bob.id}/push-subscriptions`, {
            as: bob.id,
            body: { endpoint: 'https://169.254.169.254/latest/meta-data', keys: pushKeys() },
          });
          expect(ssrf.status).to.equal(400);
          expect(ssrf.body.field).to.equal('endpoint');
          const ghost = randomUUID();
          const unknown = await app().request('POST', `/users/${ghost}/push-subscriptions`, { as: ghost, body: { endpoint: fcmEndpoint(), keys: pushKeys() } });
          // A caller with no user can no longer name one: the token's subject is unregistered.
          expect(unknown.status).to.equal(401);
          expect(unknown.body.code).to.equal('AUTH.NOT_REGISTERED');
          const rows = await db.em().find(PushSubscription, {});
          expect(rows.map((r) => r.user.id)).to.deep.equal([alice.id]);
        });

        it('16 concurrent claims of one endpoint by different users over HTTP: one owner, 15 × 409, one row', async () => {
          const users = await Promise.all(Array.from({ length: 16 }, () => registerUser(app(), 'both', 'claimer')));
          const endpoint = fcmEndpoint();
          const results = await Promise.all(
            users.map((u) => app().request('POST', `/users/${u.id}/push-subscriptions`, { as: u.id, body: { endpoint, keys: pushKeys() } })),
          );
          const winners = results.filter((r) => r.status === 201 || r.status === 200);
          const losers = results.filter((r) => r.status === 409);
          expect(winners, JSON.stringify(results.map((r) => r.status))).to.have.length(1);
          expect(losers).to.have.length(15);
          expect(losers.every((r) => r.body.code === 'PUSH.ENDPOINT_CLAIMED')).to.equal(true);
          const rows = await db.em().find(PushSubscription, { endpoint });
          expect(rows).to.have.length(1);
          expect(rows[0].user.id).to.equal(winners[0].body.userId);
        });
      });
    });

    describe('with ADMIN_USER_IDS set', () => {
      const app = useApp(() => db.env);

      it('only the named admins (and roles.manage holders) administer roles, even on a fresh install', async () => {
        const someone = await registerUser(app());
        const named = await registerUser(app());
        // A second instance on the same database, started with the admin named (ids exist only after registration).
        const withAdmins = await startApp({ ...db.env, ADMIN_USER_IDS: named.id.toUpperCase() });
        try {
          const refused = await withAdmins.request('POST', '/roles', { as: someone.id, body: { name: 'first' } });
          expect(refused.status).to.equal(403);
          const allowed = await withAdmins.request('POST', '/roles', { as: named.id, body: { name: 'first' } });
          expect(allowed.status).to.equal(201);
        } finally {
          await withAdmins.close();
        }
        expect(await db.em().count(Role, {})).to.equal(1);
      });
    });
  },
  { sqliteFile: true },
);

describeEachDialect(
  'app e2e: push allowlist from the environment',
  (db) => {
    describe('with PUSH_ALLOWED_HOSTS set', () => {
      const app = useApp(() => db.env, { PUSH_ALLOWED_HOSTS: 'push.example.com' });

      it('accepts endpoints on the operator-added host and still refuses everything else', async () => {
        const user = await registerUser(app());
        const path = `/users/${user.id}/push-subscriptions`;
        const added = await app().request('POST', path, { as: user.id, body: { endpoint: 'https://push.example.com/s/1', keys: pushKeys() } });
        expect(added.status, JSON.stringify(added.body)).to.equal(201);
        const other = await app().request('POST', path, { as: user.id, body: { endpoint: 'https://evil.example.com/s/1', keys: pushKeys() } });
        expect(other.status).to.equal(400);
        expect(other.body.field).to.equal('endpoint');
        expect((await db.em().find(PushSubscription, {})).map((s) => s.endpoint)).to.deep.equal(['https://push.example.com/s/1']);
      });
    });
  },
  { sqliteFile: true },
);

describe('app settings', () => {
  it('refuses a malformed ADMIN_USER_IDS, PORT, MIGRATE_ON_START or PUSH_ALLOWED_HOSTS at start-up with a config error', async () => {
    for (const env of [{ ADMIN_USER_IDS: 'root' }, { PORT: 'eighty' }, { MIGRATE_ON_START: 'maybe' }, { PUSH_ALLOWED_HOSTS: '*' }]) {
      let error: unknown;
      try {
        await startApp({ DB_PATH: ':memory:', ...env });
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(env)).to.have.property('code', 'CONFIG.INVALID_VALUE');
    }
  });
});
