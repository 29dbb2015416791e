import { expect } from 'chai';
import { Client } from 'pg';
import { describeBackend, resolveBackend } from '../../../../packages/contractdesk/src/config/backend';
import { type ContractDeskOrm, createConfig, initOrm } from '../../../../packages/contractdesk/src/config/orm-config';
import { REPLICA_RETRY_AFTER_MS, setReplicaWarningSink } from '../../../../packages/contractdesk/src/db/replicas';
import { ContractStatus } from '../../../../packages/contractdesk/src/domain/contract-status';
import { Contract } from '../../../../packages/contractdesk/src/entities/contract.entity';
import { ContractService } from '../../../../packages/contractdesk/src/services/contract.service';
import { AccessService } from '../../../../packages/contractdesk/src/services/access.service';
import { UserService } from '../../../../packages/contractdesk/src/services/user.service';
import { type RunningApp, registerUser, startApp } from '../app/http';
import { expectDomainError } from '../../../../packages/contractdesk/test/helpers/expect-error';
import { uniqueName } from '../../../../packages/contractdesk/test/helpers/factories';
import { postgresUnavailableReason } from '../../../../packages/contractdesk/test/helpers/postgres';
import { type ReplicaPair, replicaToolsUnavailableReason, startReplicaPair } from '../../../../packages/contractdesk/test/helpers/replica';
import { recordSkippedPostgres } from '../../../../packages/contractdesk/test/helpers/root-hooks';

const quiet = () => undefined;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('read replicas: configuration', () => {
  it('DATABASE_REPLICA_URLS: comma-separated postgres URLs; a bad entry is CONFIG.INVALID_REPLICA_URL without the URL; logs redact passwords', async () => {
    const env = { DATABASE_URL: 'postgresql://app:pw@db/app', DATABASE_REPLICA_URLS: 'postgresql://app:s3cret@r1/app, postgres://app:s3cret@r2:5433/app' };
    const backend = resolveBackend(env);
    expect(backend).to.deep.include({ replicaUrls: ['postgresql://app:s3cret@r1/app', 'postgres://app:s3cret@r2:5433/app'] });
    expect(describeBackend(backend)).to.include('read replicas').and.not.include('s3cret');
    expect((createConfig(env) as { replicas: unknown[] }).replicas).to.have.length(2);
    for (const bad of ['mysql://u:s3cret@h/db', 'postgresql://u:s3cret@r1/app,,', 'not a url s3cret']) {
      const error = await expectDomainError(async () => resolveBackend({ ...env, DATABASE_REPLICA_URLS: bad }), 'CONFIG.INVALID_REPLICA_URL');
      expect(error.message).not.to.include('s3cret');
    }
    await expectDomainError(async () => resolveBackend({ DATABASE_REPLICA_URLS: 'postgresql://r1/app' }), 'CONFIG.INVALID_VALUE');
  });
});

describe('read replicas: a real streaming replica (pg_basebackup -R)', function () {
  let pair: ReplicaPair;
  let orm: ContractDeskOrm;
  let env: Record<string, string>;
  const warnings: string[] = [];
  const DB = 'contractdesk_test_replicas';

  before(async function () {
    this.timeout(120_000);
    const reason = (await postgresUnavailableReason()) ?? replicaToolsUnavailableReason();
    if (reason) {
      if (process.env.CI === 'true') throw new Error(`PostgreSQL server binaries are required under CI=true: ${reason}`);
      recordSkippedPostgres('read replicas', reason);
      this.skip();
    }
    pair = await startReplicaPair();
    const admin = new Client({ connectionString: pair.primaryUrl() });
    await admin.connect();
    await admin.query(`create database ${DB}`);
    await admin.end();
    env = { DATABASE_URL: pair.primaryUrl(DB), DATABASE_REPLICA_URLS: pair.replicaUrl(DB), DB_POOL_MAX: '4' };
    setReplicaWarningSink((line) => warnings.push(line));
    orm = await initOrm({ env, log: quiet, options: { migrations: { ...createConfig(env).migrations, silent: true } } });
    await orm.migrator.up();
    await pair.caughtUp();
  });

  after(async function () {
    this.timeout(60_000);
    setReplicaWarningSink((line) => void process.stderr.write(`[contractdesk] ${line}\n`));
    await orm?.close(true);
    pair?.stop();
  });

  async function seedContract(): Promise<Contract> {
    const name = uniqueName();
    const users = new UserService(orm.em.fork());
    const client = await users.register({ username: `c${name}`, email: `c${name}@example.org`, role: 'client' });
    const freelancer = await new UserService(orm.em.fork()).register({ username: `f${name}`, email: `f${name}@example.org`, role: 'freelancer' });
    const contract = await new ContractService(orm.em.fork()).create({ title: 'before', clientId: client.id, freelancerId: freelancer.id, amount: 1 });
    await pair.caughtUp();
    return contract;
  }

  it('routing by the data: with replay paused, reads outside a transaction show the replica (old), writes and reads inside a transaction the primary (new)', async function () {
    this.timeout(60_000);
    const contract = await seedContract();
    await pair.pauseReplay();
    try {
      const renamed = await new ContractService(orm.em.fork()).rename(contract.id, { title: 'after', expectedVersion: contract.version });
      expect(renamed.version).to.equal(contract.version + 1);

      // Service reads (lean) and MikroORM's own find outside a transaction: the replica, which has not replayed it.
      expect((await new ContractService(orm.em.fork()).get(contract.id)).title).to.equal('before');
      expect((await new ContractService(orm.em.fork()).listForClient(contract.client.id)).map((c) => c.title)).to.deep.equal(['before']);
      expect((await orm.em.fork().findOneOrFail(Contract, contract.id)).title).to.equal('before');

      // The documented rule for read-your-writes: read inside a transaction.
      const inTx = await orm.em.fork().transactional((em) => em.findOneOrFail(Contract, contract.id));
      expect(inTx.title).to.equal('after');
      // Decisive reads run in the write transaction, on the primary: the version check sees version 2.
      const moved = await new ContractService(orm.em.fork()).transition(contract.id, { to: ContractStatus.Active, expectedVersion: renamed.version });
      expect(moved.version).to.equal(renamed.version + 1);
      await expectDomainError(
        new ContractService(orm.em.fork()).transition(contract.id, { to: ContractStatus.Cancelled, expectedVersion: renamed.version }),
        'CONTRACT.VERSION_CONFLICT',
      );
    } finally {
      await pair.resumeReplay();
    }
    await pair.caughtUp();
    const caught = await new ContractService(orm.em.fork()).get(contract.id);
    expect([caught.title, caught.status]).to.deep.equal(['after', 'active']);
  });

  describe('decisions about a caller read the primary (issue 23)', () => {
    let app: RunningApp;
    before(async function () {
      this.timeout(60_000);
      app = await startApp({ ...env, MIGRATE_ON_START: 'false' });
    });
    after(async () => app?.close());

    it('with replay paused: a user deleted on the primary is refused at once, one just registered is accepted at once', async function () {
      this.timeout(60_000);
      const gone = await registerUser(app);
      await pair.caughtUp();
      expect((await app.request('GET', `/users/${gone.id}/push-subscriptions`, { as: gone.id })).status).to.equal(200);
      await pair.pauseReplay();
      try {
        await new UserService(orm.em.fork()).delete(gone.id);
        // The replica still has the user: a read outside a transaction shows it, so the test proves the routing.
        expect((await new UserService(orm.em.fork()).get(gone.id)).id).to.equal(gone.id);
        const refused = await app.request('GET', `/users/${gone.id}/push-subscriptions`, { as: gone.id });
        expect(refused.status).to.equal(401);
        expect(refused.body.code).to.equal('AUTH.NOT_REGISTERED');

        const fresh = await registerUser(app);
        const accepted = await app.request('GET', `/users/${fresh.id}/push-subscriptions`, { as: fresh.id });
        expect(accepted.status, JSON.stringify(accepted.body)).to.equal(200);
      } finally {
        await pair.resumeReplay();
      }
    });

    it('with replay paused: a role assignment removed on the primary stops authorizing at once (grants are read on the primary)', async function () {
      this.timeout(60_000);
      const access = () => new AccessService(orm.em.fork());
      const holder = await new UserService(orm.em.fork()).register({ username: `r${uniqueName()}`, email: `r${uniqueName()}@example.org`, role: 'client' });
      const role = await access().createRole({ name: `readers ${uniqueName()}` });
      await access().grant(role.id, 'contracts.read');
      await access().assignRole(holder.id, role.id);
      await pair.caughtUp();
      await pair.pauseReplay();
      try {
        await access().unassignRole(holder.id, role.id);
        expect((await access().rolesOf(holder.id)).map((r) => r.id), 'the replica still shows it').to.deep.equal([role.id]);
        expect(await access().can(holder.id, 'contracts.read')).to.equal(false);
      } finally {
        await pair.resumeReplay();
      }
    });
  });

  describe('faults', () => {
    let app: RunningApp;
    before(async function () {
      this.timeout(60_000);
      app = await startApp({ ...env, MIGRATE_ON_START: 'false' });
    });
    after(async () => app?.close());

    it('a replica killed during a stream of reads: every read still answers (from the primary), one warning, /ready says replica unreachable but stays 200; it rejoins', async function () {
      this.timeout(90_000);
      const contract = await seedContract();
      warnings.length = 0;
      let reads = 0;
      const failures: string[] = [];
      let stop = false;
      const readers = Array.from({ length: 4 }, async () => {
        while (!stop) {
          try {
            const got = await new ContractService(orm.em.fork()).get(contract.id);
            if (got.title !== 'before') failures.push(`title ${got.title}`);
            reads++;
          } catch (error) {
            failures.push(String((error as Error).message ?? error));
          }
        }
      });
      await sleep(300);
      pair.stopReplica('immediate');
      await sleep(1_000);
      stop = true;
      await Promise.all(readers);
      expect(failures).to.deep.equal([]);
      expect(reads).to.be.greaterThan(20);
      expect(warnings.filter((w) => /read replica replica1 is unreachable/.test(w)).length).to.be.within(1, 2);

      const ready = await app.request('GET', '/ready');
      expect(ready.status).to.equal(200);
      expect(ready.body).to.deep.include({ status: 'ready', database: 'ok', replicas: [{ name: 'replica1', status: 'unreachable' }] });

      pair.startReplica();
      await pair.caughtUp();
      await sleep(REPLICA_RETRY_AFTER_MS);
      expect((await app.request('GET', '/ready')).body.replicas).to.deep.equal([{ name: 'replica1', status: 'ok' }]);
      // Back in rotation: with replay paused, a write shows up only in a transaction again.
      await pair.pauseReplay();
      try {
        await new ContractService(orm.em.fork()).rename(contract.id, { title: 'later', expectedVersion: contract.version });
        expect((await new ContractService(orm.em.fork()).get(contract.id)).title).to.equal('before');
      } finally {
        await pair.resumeReplay();
      }
    });
  });
});
