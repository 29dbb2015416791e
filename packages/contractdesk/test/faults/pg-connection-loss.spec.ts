import { expect } from 'chai';
import { Client } from 'pg';
import { type ContractDeskOrm, createConfig, initOrm } from '../../src/config/orm-config';
import { PartyRole } from '../../src/domain/party-role';
import { ContractService } from '../../src/services/contract.service';
import { UserService } from '../../src/services/user.service';
import { describeEachDialect } from '../helpers/orm';
import { batchRows, partialBatches, writeBatch } from './support/batches';
import { describeCause, expectUnavailable } from './support/expect-errors';
import { TcpProxy } from './support/tcp-proxy';
import { TransactionScope } from '../../src/services/transaction-scope';

const quiet = () => undefined;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describeEachDialect('faults: PostgreSQL connection loss', (db) => {
  if (db.dialect !== 'postgresql') return;

  let admin: Client;
  before(async () => {
    admin = new Client({ connectionString: db.env.DATABASE_URL });
    // The harness drops the database WITH (FORCE) before our after-hook ends this client.
    admin.on('error', () => undefined);
    await admin.connect();
  });
  after(async () => admin?.end());

  const register = (name: string) => new UserService(db.em()).register({ username: name, email: `${name}@example.com`, role: PartyRole.Both });

  it('pg_terminate_backend mid-transaction → DB.UNAVAILABLE, nothing of the transaction visible, the next operation succeeds', async () => {
    let killedPid = 0;
    const error = await writeBatch(db.em(), 'term1', {
      contracts: 4,
      between: async (step) => {
        if (step !== 2) return;
        // Two flushes are in; the transaction is open on this backend. Kill it from outside.
        const pid = await backendPidOf(admin, db.env.DATABASE_URL!);
        killedPid = pid;
        await admin.query('select pg_terminate_backend($1)', [pid]);
        await waitUntil(async () => !(await isAlive(admin, pid)));
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(killedPid, 'a backend was terminated').to.be.greaterThan(0);
    expectUnavailable(error);

    expect(await batchRows(db.em(), 'term1')).to.have.property('size', 0);
    // Same ORM, no manual reset: the dead connection is discarded and a fresh one used.
    const user = await register('afterterm1');
    expect((await new UserService(db.em()).get(user.id)).username).to.equal('afterterm1');
  });

  it('idle pooled connections killed by the server → the pool replaces them; the next operations succeed', async () => {
    await Promise.all([register('warm1'), register('warm2'), register('warm3')]);
    const killed = await admin.query(
      `select pid, pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
    );
    expect(killed.rowCount).to.be.greaterThan(0);
    for (const { pid } of killed.rows) await waitUntil(async () => !(await isAlive(admin, pid)));
    // The pool learns about the deaths from each client's error event and validates on acquire.
    const results = await Promise.allSettled([register('idle1'), register('idle2'), register('idle3')]);
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'fulfilled', 'fulfilled']);
  });

  describe('server outage through a TCP proxy (cut = connections reset + port refusing)', () => {
    let proxy: TcpProxy;
    let viaProxy: ContractDeskOrm;

    before(async () => {
      proxy = await TcpProxy.start('127.0.0.1', Number(new URL(db.env.DATABASE_URL!).port || 5432));
      const url = new URL(db.env.DATABASE_URL!);
      url.port = String(proxy.port);
      viaProxy = await initOrm({ env: { DATABASE_URL: url.toString(), DB_POOL_MAX: '4' }, log: quiet });
    });
    after(async () => {
      await viaProxy?.close(true).catch(() => undefined);
      await proxy?.stop();
    });

    it('writes during each outage fail fast with DB.UNAVAILABLE, none is partial, and the pool reconnects by itself', async function () {
      this.timeout(60_000);
      const OUTAGES = 3;
      const outcomes = { ok: [] as string[], failed: [] as string[], errors: [] as unknown[], failMs: [] as number[] };
      let stop = false;
      let seq = 0;

      // Four writers keep a burst of batch transactions going through the proxy the whole time.
      const writer = async (w: number) => {
        while (!stop) {
          const tag = `burst-w${w}-${seq++}`;
          const started = Date.now();
          try {
            await writeBatch(viaProxy.em, tag, { contracts: 5, between: () => sleep(2) });
            outcomes.ok.push(tag);
          } catch (error) {
            outcomes.failed.push(tag);
            outcomes.errors.push(error);
            outcomes.failMs.push(Date.now() - started);
            await sleep(10);
          }
        }
      };
      const writers = [0, 1, 2, 3].map(writer);
      const firstQueryMs: number[] = [];
      const firstWriteMs: number[] = [];
      try {
        for (let outage = 0; outage < OUTAGES; outage++) {
          const okBefore = outcomes.ok.length;
          await waitUntil(async () => outcomes.ok.length >= okBefore + 6);
          const failedBefore = outcomes.failed.length;
          await proxy.cut();
          await waitUntil(async () => outcomes.failed.length >= failedBefore + 8);

          const okAtRestore = outcomes.ok.length;
          const restoredAt = Date.now();
          await proxy.restore();
          // Reconnection as a caller sees it: the first query that succeeds, polled every 5 ms ...
          await waitUntil(
            () => new TransactionScope(viaProxy.em).read((em) => em.execute('select 1')).then(() => true, () => false),
            20_000,
            5,
          );
          firstQueryMs.push(Date.now() - restoredAt);
          // ... and the first whole batch transaction committed by the writers.
          await waitUntil(async () => outcomes.ok.length > okAtRestore, 20_000, 1);
          firstWriteMs.push(Date.now() - restoredAt);
        }
      } finally {
        stop = true;
        await Promise.all(writers);
      }

      process.stderr.write(
        `      [faults] proxy outages: ${OUTAGES}; ${outcomes.ok.length} batches ok, ${outcomes.failed.length} failed (slowest failure ${Math.max(...outcomes.failMs)} ms); ` +
          `first query after restore ${firstQueryMs.join('/')} ms, first batch committed ${firstWriteMs.join('/')} ms\n`,
      );
      outcomes.errors.forEach((e, i) => expectUnavailable(e, `failure ${i}: ${describeCause(e)}`));

      // The truth, read directly (not through the proxy): every batch whole or absent, every ok batch present.
      const rows = await batchRows(db.em(), 'burst-');
      expect(partialBatches(rows, 5)).to.deep.equal([]);
      for (const tag of outcomes.ok) expect(rows.has(tag), `${tag} reported ok`).to.equal(true);
      const ambiguous = outcomes.failed.filter((tag) => rows.has(tag));
      process.stderr.write(`      [faults] failed batches found committed anyway (COMMIT reached the server, its reply was lost): ${ambiguous.length}\n`);
      // Whatever the writers do after the last restore goes through: the pool healed without help.
      expect(await viaProxy.isConnected()).to.equal(true);
    });

    it('a server that accepts but never answers fails fast (connect timeout) instead of hanging', async function () {
      const config = createConfig({ DATABASE_URL: db.env.DATABASE_URL });
      expect(config.driverOptions).to.have.nested.property('connection.connectionTimeoutMillis').that.is.a('number');
      expect(config.pool).to.have.property('acquireTimeoutMillis').that.is.a('number');

      const url = new URL(db.env.DATABASE_URL!);
      url.port = String(proxy.port);
      // Same mechanism as the defaults, with a shorter timeout so the test stays quick.
      proxy.blackhole();
      const hung = await initOrm({
        env: { DATABASE_URL: url.toString() },
        options: { connect: false, driverOptions: { connection: { connectionTimeoutMillis: 300 } } },
        log: quiet,
      });
      try {
        const started = Date.now();
        const error = await new ContractService(hung.em).get('00000000-0000-4000-8000-000000000000').catch((e: unknown) => e);
        expectUnavailable(error, describeCause(error));
        expect(Date.now() - started).to.be.below(20_000);
      } finally {
        await proxy.restore();
        await hung.close(true).catch(() => undefined);
      }
    });
  });
  // Kills the ORM's own server sessions by pid: behind a pooler those are the pooler's, shared with the admin client
  // (pooler restarts are tested in test/pooler/pgbouncer.spec.ts).
}, { pooler: false });

async function backendPidOf(admin: Client, url: string): Promise<number> {
  // The only other session on this throwaway database that is inside a transaction is the service's.
  const { rows } = await admin.query(
    `select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid() and xact_start is not null`,
    [new URL(url).pathname.slice(1)],
  );
  if (rows.length !== 1) throw new Error(`expected exactly one open transaction, found ${rows.length}`);
  return rows[0].pid;
}

async function isAlive(admin: Client, pid: number): Promise<boolean> {
  const { rowCount } = await admin.query('select 1 from pg_stat_activity where pid = $1', [pid]);
  return (rowCount ?? 0) > 0;
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 10_000, pollMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(pollMs);
  }
}
