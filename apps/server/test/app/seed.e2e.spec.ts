import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Contract } from '../../../../packages/contractdesk/src/entities/contract.entity';
import { Role } from '../../../../packages/contractdesk/src/entities/role.entity';
import { RoleAssignment } from '../../../../packages/contractdesk/src/entities/role-assignment.entity';
import { User } from '../../../../packages/contractdesk/src/entities/user.entity';
import { CONTRACT_STATUSES, ContractStatus } from '../../../../packages/contractdesk/src/domain/contract-status';
import { DomainError } from '../../../../packages/contractdesk/src/errors/domain-error';
import { UserService } from '../../../../packages/contractdesk/src/services/user.service';
import { describeEachDialect } from '../../../../packages/contractdesk/test/helpers/orm';
import { workspaceRoot } from '../../src/paths';
import { createApp } from '../../src/create-app';
import { formatOutcome } from '../../scripts/seed/print-outcome';
import { type SeedOutcome, runSeed } from '../../scripts/seed/run-seed';
import { TEST_THROTTLE_ENV, request } from './http';

async function refusal(work: Promise<unknown>): Promise<DomainError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(DomainError);
  return error as DomainError;
}

/** The printed `  <subject>: <token>` lines: what a developer copies. */
function printedTokens(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^ {2}(demo-[a-z]+): ([\w-]+\.[\w-]+\.[\w-]+)$/gm)].map((m) => [m[1], m[2]]));
}

// The seed opens its own ORM from the environment, as `npm run db:seed` does: SQLite must be a file.
describeEachDialect(
  'npm run db:seed',
  (db) => {
    // SQLite: development auth, its key beside the database file. PostgreSQL: a shared secret, so the seed says
    // how to get tokens instead of writing a development key into the workspace's data folder.
    const env = () => (db.dialect === 'sqlite' ? db.env : { ...db.env, AUTH_JWT_SECRET: 's'.repeat(32) });
    const counts = async () => ({
      users: await db.em().count(User, {}),
      roles: await db.em().count(Role, {}),
      assignments: await db.em().count(RoleAssignment, {}),
      contracts: await db.em().count(Contract, {}),
    });
    const tables = async (): Promise<string[]> => {
      const sql =
        db.dialect === 'sqlite'
          ? "select name from sqlite_master where type = 'table' order by name"
          : 'select table_name as name from information_schema.tables where table_schema = current_schema() order by 1';
      return (await db.em().getConnection().execute<Array<{ name: string }>>(sql)).map((row) => row.name);
    };
    let first: SeedOutcome;

    it('is refused under NODE_ENV=production (SEED.REFUSED_IN_PRODUCTION), writing nothing, and with pending migrations under MIGRATE_ON_START=false', async () => {
      // Complete production auth settings: the refusal is the seed's own, not the app's AUTH_REQUIRED.
      const productionAuth = { AUTH_JWT_SECRET: 's'.repeat(32), AUTH_ISSUER: 'https://idp.example/', AUTH_AUDIENCE: 'contractdesk' };
      const production = await refusal(runSeed({ ...env(), ...productionAuth, NODE_ENV: 'production' }));
      expect(production.code).to.equal('SEED.REFUSED_IN_PRODUCTION');
      expect(await tables()).to.deep.equal([]);
      const pending = await refusal(runSeed({ ...env(), MIGRATE_ON_START: 'false' }));
      expect(pending.code).to.equal('SEED.MIGRATIONS_PENDING');
      // Asking for pending migrations creates the Migrator's bookkeeping table, as the app's start does; no data.
      expect((await tables()).filter((name) => !/^(contractdesk_migrations|sqlite_sequence)$/.test(name))).to.deep.equal([]);
    });

    it('writes all of it or nothing: a demo username someone else holds stops the run with its code, no demo row stays', async () => {
      const users = new UserService(db.em());
      // migrate first (a run that succeeds would be the normal way), then take a demo username under another subject
      await db.orm.migrator.up();
      const squatter = await users.register({ username: 'demo-admin', email: 'someone@example.com', role: 'client' }, 'someone-else');
      const taken = await refusal(runSeed(env()));
      expect(taken.code).to.equal('USER.USERNAME_TAKEN');
      expect(await counts()).to.deep.equal({ users: 1, roles: 0, assignments: 0, contracts: 0 });
      await users.delete(squatter.id);
    });

    it('seeds a client, a freelancer, an administrator holding a role, and one contract per status, migrating first', async () => {
      await db.orm.schema.dropSchema({ dropMigrationsTable: true });
      first = await runSeed(env());
      expect(first.appliedMigrations).to.have.length.greaterThan(0);
      expect(await counts()).to.deep.equal({ users: 3, roles: 1, assignments: 1, contracts: CONTRACT_STATUSES.length });
      expect(first.report.contracts.map((c) => c.status)).to.deep.equal([...CONTRACT_STATUSES]);
      const stored = await db.em().find(Contract, {});
      expect(stored.map((c) => c.status).sort()).to.deep.equal([...CONTRACT_STATUSES].sort());
      expect(first.report.role.permissions).to.deep.equal(['contracts.read', 'roles.manage', 'users.manage']);
      const admin = first.report.users.find((u) => u.key === 'admin')!;
      const assignment = await db.em().findOneOrFail(RoleAssignment, { user: admin.id }, { populate: ['role'] });
      expect(assignment.role.getEntity().name).to.equal('demo-administrator');
      expect(first.report.changes).to.have.length.greaterThan(0);
    });

    it('a second run changes nothing and says so', async () => {
      const before = await counts();
      const versions = (await db.em().find(Contract, {}, { orderBy: { id: 'asc' } })).map((c) => [c.id, c.version]);
      const again = await runSeed(env());
      expect(again.appliedMigrations).to.deep.equal([]);
      expect(again.report.changes).to.deep.equal([]);
      expect(await counts()).to.deep.equal(before);
      expect((await db.em().find(Contract, {}, { orderBy: { id: 'asc' } })).map((c) => [c.id, c.version])).to.deep.equal(versions);
      expect(again.report.users).to.deep.equal(first.report.users);
      expect(again.report.contracts).to.deep.equal(first.report.contracts);
      expect(formatOutcome(again)).to.contain('demo data already present: nothing changed');
    });

    it('prints a development token per user that the app accepts (GET /contracts/:id as its client → 200), or how to get one', async function () {
      const text = formatOutcome(first);
      if (db.dialect !== 'sqlite') {
        expect(first.tokens.kind).to.equal('secret');
        expect(printedTokens(text).size).to.equal(0);
        expect(text).to.contain('npm run token -- demo-client');
        return;
      }
      const tokens = printedTokens(text);
      expect([...tokens.keys()]).to.deep.equal(['demo-client', 'demo-freelancer', 'demo-admin']);
      const created = await createApp({ ...TEST_THROTTLE_ENV, ...env() }, { logger: false });
      try {
        await created.app.listen(0, '127.0.0.1');
        const url = `http://127.0.0.1:${(created.app.getHttpServer().address() as AddressInfo).port}`;
        const contract = first.report.contracts.find((c) => c.status === ContractStatus.Active)!;
        const as = (subject: string) => ({ authorization: `Bearer ${tokens.get(subject)}` });
        const asClient = await request(url, 'GET', `/contracts/${contract.id}`, as('demo-client'));
        expect(asClient.status).to.equal(200);
        expect(asClient.body).to.include({ id: contract.id, status: 'active' });
        expect((await request(url, 'GET', `/contracts/${contract.id}`, as('demo-admin'))).status).to.equal(200);
        const client = first.report.users.find((u) => u.key === 'client')!;
        const admin = first.report.users.find((u) => u.key === 'admin')!;
        expect((await request(url, 'GET', `/users/${client.id}/roles`, as('demo-admin'))).status).to.equal(200);
        expect((await request(url, 'GET', `/users/${admin.id}/can/roles.manage`, as('demo-admin'))).body).to.deep.include({ allowed: true });
      } finally {
        await created.app.close();
      }
    });
  },
  { sqliteFile: true, migrate: false, clearBeforeEach: false, pooler: false },
);

describe('npm run db:seed (the command)', function () {
  this.timeout(60_000);

  it('exits 2 with the code under NODE_ENV=production and creates no database file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'contractdesk-seed-'));
    try {
      const file = join(dir, 'seed.sqlite3');
      const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = execFile('npm', ['run', '--silent', 'db:seed'], { cwd: workspaceRoot, env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', DB_PATH: file, AUTH_JWT_SECRET: 's'.repeat(32), AUTH_ISSUER: 'https://idp.example/', AUTH_AUDIENCE: 'contractdesk' } }, (_e, _out, err) =>
          resolve({ code: child.exitCode, stderr: err }),
        );
      });
      expect(code).to.equal(2);
      expect(stderr).to.match(/^db:seed refused \[SEED\.REFUSED_IN_PRODUCTION\]/);
      expect(existsSync(file)).to.equal(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
