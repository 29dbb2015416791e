import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/db/better-sqlite3';
import { expect } from 'chai';
import { Client } from 'pg';
import { type ContractDeskOrm, initOrm } from '../../src/config/orm-config';
import { DomainError } from '../../src/errors/domain-error';
import { describeEachDialect } from '../helpers/orm';
import { expectUnavailable } from './support/expect-errors';
import { batchRows, partialBatches, writeBatch } from './support/batches';

const quiet = () => undefined;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const CONTRACTS = 5;

/**
 * Starts `count` batch transactions that take a while (a pause between statements), closes the ORM once
 * `openAtClose` of them are inside their transaction (rows already written, not committed), and reports
 * how each ended. A hang would time the test out.
 */
async function closeDuringTransactions(orm: ContractDeskOrm, prefix: string, count: number, openAtClose: number) {
  const tags = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  const open = new Set<string>();
  const runs = tags.map((tag) =>
    writeBatch(orm.em, tag, {
      contracts: CONTRACTS,
      between: async (step) => {
        if (step === 0) open.add(tag);
        await sleep(15);
      },
    }).then(
      () => ({ tag, ok: true as const }),
      (error: unknown) => ({ tag, ok: false as const, error }),
    ),
  );
  while (open.size < openAtClose) await sleep(2);
  const openWhenClosed = [...open];
  await orm.close();
  const outcomes = await Promise.all(runs);
  const afterClose = await writeBatch(orm.em, `${prefix}late`).then(
    () => 'ok',
    (error: unknown) => error,
  );
  return { outcomes, openWhenClosed, afterClose, connected: await orm.isConnected() };
}

/** The promise of close(): transactions already running complete; the rest never start and say so. */
function expectGracefulOutcomes(result: Awaited<ReturnType<typeof closeDuringTransactions>>): string[] {
  const { outcomes, openWhenClosed, afterClose, connected } = result;
  process.stderr.write(
    `      [faults] shutdown: ${openWhenClosed.length} open at close() → ` +
      outcomes.map((o) => `${o.tag}: ${o.ok ? 'committed' : (o.error as DomainError).code}`).join(', ') +
      '\n',
  );
  expect(connected).to.equal(false);
  const committed = outcomes.filter((o) => o.ok).map((o) => o.tag);
  expect(committed, 'every transaction open at close() was allowed to finish').to.include.members(openWhenClosed);
  for (const o of outcomes) if (!o.ok) expectUnavailable(o.error, o.tag);
  expectUnavailable(afterClose, 'an operation after close()');
  return committed;
}

describeEachDialect('faults: graceful shutdown with transactions in flight', (db) => {
  if (db.dialect === 'postgresql') {
    it('orm.close() lets open transactions commit and refuses queued ones (DB.UNAVAILABLE); no session of that ORM is left in pg_stat_activity', async function () {
      const appName = `faults_shutdown_${process.pid}`;
      const orm = await initOrm({
        env: { ...db.env, DB_POOL_MAX: '3' },
        options: { driverOptions: { connection: { application_name: appName, connectionTimeoutMillis: 5000 } } },
        log: quiet,
      });
      const committed = expectGracefulOutcomes(await closeDuringTransactions(orm, 'shut-pg', 6, 3));

      const rows = await batchRows(db.em(), 'shut-pg');
      expect(partialBatches(rows, CONTRACTS)).to.deep.equal([]);
      expect([...rows.keys()].sort()).to.deep.equal(committed.sort());

      const admin = new Client({ connectionString: db.env.DATABASE_URL });
      await admin.connect();
      try {
        const left = await admin.query(
          `select state from pg_stat_activity where datname = current_database() and (application_name = $1 or state like 'idle in transaction%')`,
          [appName],
        );
        expect(left.rows).to.deep.equal([]);
      } finally {
        await admin.end();
      }
    });
  }

  if (db.dialect === 'sqlite') {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'contractdesk-test-shutdown-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('orm.close() lets the open transaction commit and refuses queued ones; the WAL is checkpointed away and a new connection sees every commit', async () => {
      const path = join(dir, 'shutdown.sqlite3');
      const orm = await initOrm({ env: { DB_PATH: path }, log: quiet });
      await orm.migrator.up();
      const committed = expectGracefulOutcomes(await closeDuringTransactions(orm, 'shut-lite', 4, 1));

      // The last connection closed cleanly: SQLite checkpointed the WAL into the main file and removed it.
      const wal = `${path}-wal`;
      expect(!existsSync(wal) || statSync(wal).size === 0, 'WAL file gone or empty').to.equal(true);

      const fresh = openSqlite(path, { readonly: true });
      try {
        const tags = (fresh.prepare(`select distinct substr(title, 1, instr(title, '#') - 1) as tag from contractdesk_contracts`).all() as Array<{ tag: string }>).map((r) => r.tag);
        expect(tags.sort()).to.deep.equal(committed.sort());
      } finally {
        fresh.close();
      }
      const reopened = await initOrm({ env: { DB_PATH: path }, log: quiet });
      try {
        const rows = await batchRows(reopened.em, 'shut-lite');
        expect(partialBatches(rows, CONTRACTS)).to.deep.equal([]);
        expect([...rows.keys()].sort()).to.deep.equal(committed.sort());
      } finally {
        await reopened.close();
      }
    });
  }
  // Counts the ORM's own sessions in pg_stat_activity: behind a pooler those belong to the pooler, not the ORM.
}, { pooler: false });
