import { expect } from 'chai';
import { Client } from 'pg';
import { type ContractDeskOrm, createConfig, initOrm } from '../../../../packages/contractdesk/src/config/orm-config';
import { ContractStatus } from '../../../../packages/contractdesk/src/domain/contract-status';
import { AccessService } from '../../../../packages/contractdesk/src/services/access.service';
import { ContractService } from '../../../../packages/contractdesk/src/services/contract.service';
import { PushSubscriptionService } from '../../../../packages/contractdesk/src/services/push-subscription.service';
import { UserService } from '../../../../packages/contractdesk/src/services/user.service';
import { startApp } from '../app/http';
import { expectDomainError } from '../../../../packages/contractdesk/test/helpers/expect-error';
import { fcmEndpoint, pushKeys, uniqueName } from '../../../../packages/contractdesk/test/helpers/factories';
import { type PgBouncer, pgbouncerBinary, startPgBouncer } from '../../../../packages/contractdesk/test/helpers/pgbouncer';
import { createTestDatabase, databaseUrl, dropTestDatabase, postgresUnavailableReason } from '../../../../packages/contractdesk/test/helpers/postgres';
import { recordSkippedPostgres } from '../../../../packages/contractdesk/test/helpers/root-hooks';

const quiet = () => undefined;

interface SeenQuery {
  text: string;
  name?: string;
  inTransaction: boolean;
}

/**
 * Records every statement node-postgres sends in this process (knex, the lean reads, the migrator, the app),
 * with whether its client was inside BEGIN … COMMIT at the time. Through a transaction pooler only statements
 * inside a transaction are guaranteed one server connection.
 */
function spyOnPg(): { seen: SeenQuery[]; restore(): void } {
  const seen: SeenQuery[] = [];
  const proto = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  const open = new WeakMap<object, boolean>();
  proto.query = function (this: object, config: unknown, ...rest: unknown[]) {
    const text = typeof config === 'string' ? config : ((config as { text?: string })?.text ?? '');
    const name = typeof config === 'object' && config ? (config as { name?: string }).name : undefined;
    const inTransaction = open.get(this) ?? false;
    seen.push({ text, name, inTransaction });
    if (/^\s*(begin|start transaction)\b/i.test(text)) open.set(this, true);
    if (/^\s*(commit|rollback|end|abort)\s*;?\s*$/i.test(text)) open.set(this, false);
    return original.call(this, config, ...rest);
  };
  return { seen, restore: () => (proto.query = original) };
}

/** Statements that leave state on the server session, which a transaction pooler hands to someone else. */
const SESSION_STATE = /^\s*(set\s+(?!local\b|transaction\b)|reset\b|prepare\b|listen\b|declare\b|discard\b|create\s+(temp|temporary)\b|load\b)/i;
const SESSION_ADVISORY_LOCK = /pg_(try_)?advisory_lock(_shared)?\s*\(/i;

describe('PostgreSQL through a real PgBouncer (pool_mode=transaction)', function () {
  let bouncer: PgBouncer;
  let dbName: string;

  before(async function () {
    this.timeout(60_000);
    const reason = (await postgresUnavailableReason()) ?? (pgbouncerBinary() ? undefined : 'pgbouncer is not installed (apt-get install -y pgbouncer)');
    if (reason) {
      if (process.env.CI === 'true') throw new Error(`PostgreSQL and PgBouncer are required under CI=true: ${reason}`);
      recordSkippedPostgres('pgbouncer', reason);
      this.skip();
    }
    // Two server connections: small enough that consecutive transactions visibly change server connection.
    bouncer = await startPgBouncer({ poolSize: 2 });
    dbName = await createTestDatabase('pgbouncer');
  });

  after(async function () {
    this.timeout(30_000);
    await bouncer?.stop();
    if (dbName) await dropTestDatabase(dbName);
  });

  it('the harness really pools per transaction: a statement prepared by one client is gone when its next statement lands on the other server connection', async () => {
    const a = new Client({ connectionString: bouncer.url(dbName) });
    const b = new Client({ connectionString: bouncer.url(dbName) });
    const c = new Client({ connectionString: bouncer.url(dbName) });
    await Promise.all([a.connect(), b.connect(), c.connect()]);
    try {
      const prepared = await b.query('prepare cd_probe as select 1 as one; select pg_backend_pid() as pid');
      const preparedOn = (prepared as unknown as Array<{ rows: Array<{ pid: number }> }>)[1].rows[0].pid;
      await a.query('begin');
      await c.query('begin');
      const pidA = (await a.query('select pg_backend_pid() as pid')).rows[0].pid as number;
      const pidC = (await c.query('select pg_backend_pid() as pid')).rows[0].pid as number;
      expect([pidA, pidC]).to.include(preparedOn);
      // Both server connections are busy; b's next statement waits for whichever is released first.
      const executed = b.query('execute cd_probe').then(
        () => 'ran',
        (e: Error) => e.message,
      );
      const [other, holder] = pidA === preparedOn ? [c, a] : [a, c];
      await other.query('commit');
      expect(await executed).to.match(/prepared statement "cd_probe" does not exist/);
      await holder.query('commit');
    } finally {
      await Promise.all([a.end(), b.end(), c.end()]);
    }
  });

  describe('the library and the app through the bouncer', () => {
    let orm: ContractDeskOrm;
    let spy: ReturnType<typeof spyOnPg>;

    before(async function () {
      this.timeout(60_000);
      spy = spyOnPg();
      const env = { DATABASE_URL: bouncer.url(dbName), DB_POOL_MAX: '8' };
      const migrations = { ...createConfig(env).migrations, silent: true };
      orm = await initOrm({ env, log: quiet, options: { migrations } });
      // Migrations run through the bouncer too (each migration is one transaction).
      await orm.migrator.up();
    });

    after(async () => {
      spy?.restore();
      await orm?.close(true);
    });

    it('every service operation and HTTP request works and sends no named statement and no session state', async function () {
      this.timeout(60_000);
      const em = () => orm.em.fork();
      const users = () => new UserService(em());
      const contracts = () => new ContractService(em());
      const name = uniqueName();
      // Bound to a token subject, so the HTTP part below can call as this user with a real bearer token.
      const subject = `bouncer-${name}`;
      const client = await users().register({ username: `c${name}`, email: `c${name}@example.org`, role: 'client' }, subject);
      const freelancer = await users().register({ username: `f${name}`, email: `f${name}@example.org`, role: 'freelancer' });
      // Many short transactions from a pool of 8 over 2 server connections: each lands wherever the bouncer puts it.
      const created = await Promise.all(
        Array.from({ length: 12 }, (_, i) => contracts().create({ title: `t${i}`, clientId: client.id, freelancerId: freelancer.id, amount: i + 1 })),
      );
      const moved = await Promise.all(created.map((c) => contracts().transition(c.id, { to: ContractStatus.Active, expectedVersion: c.version })));
      expect(moved.map((c) => c.status)).to.deep.equal(created.map(() => 'active'));
      await Promise.all(created.map((c) => contracts().get(c.id)));
      expect(await contracts().listForClient(client.id, { limit: 50 })).to.have.length(12);
      await expectDomainError(contracts().transition(created[0].id, { to: ContractStatus.Completed, expectedVersion: 1 }), 'CONTRACT.VERSION_CONFLICT');

      const access = new AccessService(em());
      const role = await access.createRole({ name: `r${name}` });
      await access.grant(role.id, 'roles.manage');
      await access.assignRole(client.id, role.id);
      expect(await new AccessService(em()).can(client.id, 'roles.manage')).to.equal(true);
      await new PushSubscriptionService(em()).subscribe(client.id, { endpoint: fcmEndpoint(), keys: pushKeys() });

      const app = await startApp({ DATABASE_URL: bouncer.url(dbName), DB_POOL_MAX: '4' });
      try {
        expect((await app.request('GET', '/ready')).status).to.equal(200);
        for (const c of created.slice(0, 6)) {
          const got = await app.request('GET', `/contracts/${c.id}`, { subject });
          expect(got.status, JSON.stringify(got.body)).to.equal(200);
        }
      } finally {
        await app.close();
      }

      const named = spy.seen.filter((q) => q.name);
      expect(named.map((q) => `${q.name}: ${q.text}`), 'named prepared statements').to.deep.equal([]);
      // MikroORM's migration runner opens every migration with `set names 'utf8'`: the encoding node-postgres
      // already asks for at connect, and a parameter PgBouncer tracks and restores per client, so it is harmless.
      const harmless = (q: SeenQuery) => q.inTransaction && /^\s*set names 'utf8';?\s*$/i.test(q.text);
      const session = spy.seen.filter((q) => (SESSION_STATE.test(q.text) || SESSION_ADVISORY_LOCK.test(q.text)) && !harmless(q));
      expect(session.map((q) => q.text), 'statements that leave session state').to.deep.equal([]);
      expect(spy.seen.length).to.be.greaterThan(100);
    });

    it('a pooler restart: operations fail DB.UNAVAILABLE while it is down, nothing half-written, and the same ORM recovers', async function () {
      this.timeout(60_000);
      const users = () => new UserService(orm.em.fork());
      const before = await users().register({ username: uniqueName(), email: `${uniqueName()}@example.org`, role: 'both' });
      await bouncer.kill();
      const during = uniqueName();
      await expectDomainError(users().register({ username: during, email: `${during}@example.org`, role: 'both' }), 'DB.UNAVAILABLE');
      await expectDomainError(users().get(before.id), 'DB.UNAVAILABLE');
      await bouncer.start();
      expect((await users().get(before.id)).id).to.equal(before.id);
      const after = await users().register({ username: uniqueName(), email: `${uniqueName()}@example.org`, role: 'both' });
      expect((await users().get(after.id)).id).to.equal(after.id);
      // The registration attempted while the pooler was down left no row.
      const direct = new Client({ connectionString: databaseUrl(dbName) });
      await direct.connect();
      try {
        expect((await direct.query('select count(*)::int as n from contractdesk_users where username = $1', [during])).rows[0].n).to.equal(0);
      } finally {
        await direct.end();
      }
    });
  });
});
