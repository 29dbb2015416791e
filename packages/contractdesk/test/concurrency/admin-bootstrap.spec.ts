import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/knex';
import { AdminBootstrap } from '../../src/entities/admin-bootstrap.entity';
import { Role } from '../../src/entities/role.entity';
import { RoleAssignment } from '../../src/entities/role-assignment.entity';
import { User } from '../../src/entities/user.entity';
import { AccessService } from '../../src/services/access.service';
import { UserService } from '../../src/services/user.service';
import { describeEachDialect } from '../helpers/orm';
import { spawnTs } from '../helpers/processes';
import { type ClaimResult, claimAll, merge } from './workers/bootstrap';

const CLAIMANTS = 16;

describeEachDialect(
  'first-administrator bootstrap under concurrency',
  (db) => {
    async function registerClaimants(): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < CLAIMANTS; i++) {
        const name = `claimant${i}x${randomUUID().slice(0, 6)}`;
        ids.push((await new UserService(db.em()).register({ username: name, email: `${name}@example.com`, role: 'both' }, `sub|${name}`)).id);
      }
      return ids;
    }

    /** One winner in the result AND in the rows: one claim row naming it, one administrator assignment, its grant. */
    async function expectExactlyOneAdmin(ids: string[], result: ClaimResult): Promise<string> {
      expect(result.other, result.other.join('\n')).to.deep.equal([]);
      expect(result.won, 'winners').to.have.length(1);
      expect(result.closed, 'ACCESS.BOOTSTRAP_CLOSED').to.have.length(CLAIMANTS - 1);
      const [winner] = result.won;
      const claims = await db.em().find(AdminBootstrap, {});
      expect(claims.map((c) => c.userId)).to.deep.equal([winner]);
      expect(await db.em().count(Role, { name: 'administrator' })).to.equal(1);
      const assignments = await db.em().find(RoleAssignment, {}, { populate: ['role'] });
      expect(assignments.map((a) => a.user.id)).to.deep.equal([winner]);
      const access = new AccessService(db.em());
      const admins: string[] = [];
      for (const id of ids) if (await access.can(id, 'roles.manage')) admins.push(id);
      expect(admins).to.deep.equal([winner]);
      return winner;
    }

    /** Revoke the grant, delete the role, delete the winner: every remaining user's claim is still refused. */
    async function expectStaysClosed(ids: string[], winner: string): Promise<void> {
      const access = new AccessService(db.em());
      const role = await db.em().findOneOrFail(Role, { name: 'administrator' });
      await access.revoke(role.id, 'roles.manage');
      const afterRevoke = await claimAll(() => db.em() as EntityManager, ids.filter((id) => id !== winner));
      expect(afterRevoke.won).to.deep.equal([]);
      await access.deleteRole(role.id);
      await new UserService(db.em()).delete(winner);
      expect(await db.em().count(User, { id: winner })).to.equal(0);
      const afterDelete = await claimAll(() => db.em() as EntityManager, ids.filter((id) => id !== winner));
      expect(afterDelete.won).to.deep.equal([]);
      expect(afterDelete.closed).to.have.length(CLAIMANTS - 1);
      expect(await db.em().count(AdminBootstrap, {})).to.equal(1);
      expect(await db.em().count(RoleAssignment, {})).to.equal(0);
    }

    if (db.dialect === 'postgresql') {
      it(`${CLAIMANTS} concurrent claims through two app instances (two ORMs, two pools): exactly one administrator; revoke and delete do not re-open`, async function () {
        this.timeout(120_000);
        const ids = await registerClaimants();
        const other = await db.openAnother();
        const half = CLAIMANTS / 2;
        const results = await Promise.all([
          claimAll(() => db.em(), ids.slice(0, half)),
          claimAll(() => other.em.fork() as EntityManager, ids.slice(half)),
        ]);
        const winner = await expectExactlyOneAdmin(ids, merge(results));
        await expectStaysClosed(ids, winner);
      });
    } else {
      it(`${CLAIMANTS} concurrent claims from two OS processes: exactly one administrator; revoke and delete do not re-open`, async function () {
        this.timeout(180_000);
        const ids = await registerClaimants();
        const half = CLAIMANTS / 2;
        const children = [ids.slice(0, half), ids.slice(half)].map((part) => spawnTs('test/concurrency/workers/bootstrap-process.ts', part, db.env));
        await Promise.all(children.map((c) => c.line('READY')));
        const results = children.map((c) => c.line('RESULT '));
        for (const c of children) c.child.stdin!.end('go\n');
        const merged = merge((await Promise.all(results)).map((r) => JSON.parse(r) as ClaimResult));
        expect(await Promise.all(children.map((c) => c.exited))).to.deep.equal([0, 0]);
        const winner = await expectExactlyOneAdmin(ids, merged);
        await expectStaysClosed(ids, winner);
      });
    }
  },
  { sqliteFile: true },
);
