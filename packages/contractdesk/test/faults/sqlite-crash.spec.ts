import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/db/better-sqlite3';
import { expect } from 'chai';
import { createConfig, initOrm } from '../../src/config/orm-config';
import { DIALECTS } from '../helpers/orm';
import { precompile } from './support/precompile';
import { crashViolations, inspectDatabase } from './support/sqlite-inspect';
import { WriterChild } from './support/writer-child';
import { CONTRACTS_PER_BATCH } from './workers/crash-writer';
import { prng } from '../../../../bench/data';

/**
 * SIGKILL a writer at random moments. Each kill is a real process crash: no handler runs, the open
 * transaction (if any) is simply abandoned, and the next connection must recover from the WAL.
 * Iterations: 15 by default, 100 under CI=true or CRASH_ITERATIONS=n. CRASH_SEED replays a run.
 */
const ITERATIONS = Number(process.env.CRASH_ITERATIONS ?? (process.env.CI === 'true' ? 100 : 15));
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 2 ** 31);
// Up to this long after "go" (ORM start-up included, so some kills land during WAL recovery/open).
// About as long as the standby child takes to load, so the wait costs no extra time.
const MAX_KILL_DELAY_MS = 1200;

export interface CrashFigures {
  synchronous: string;
  kills: number;
  killedMidTransaction: number;
  inFlightFoundCommitted: number;
  batchesReportedCommitted: number;
  batchesPresent: number;
  partialBatches: number;
  lostBatches: number;
}

for (const synchronous of ['NORMAL', 'FULL'] as const) {
  describe(`SQLite crash safety: SIGKILL during batched writes [synchronous=${synchronous}]`, function () {
    const dir = mkdtempSync(join(tmpdir(), 'contractdesk-test-crash-'));
    const path = join(dir, 'crash.sqlite3');
    const children: WriterChild[] = [];

    before(async function () {
      if (!DIALECTS.includes('sqlite')) this.skip();
      this.timeout(60_000);
      const env = { DB_PATH: path, DB_SYNCHRONOUS: synchronous };
      const migrations = { ...createConfig(env).migrations, silent: true };
      const orm = await initOrm({ env, options: { migrations }, log: () => undefined });
      await orm.migrator.up();
      await orm.close(true);
    });

    after(async () => {
      for (const child of children) await child.kill();
      rmSync(dir, { recursive: true, force: true });
    });

    it(`${ITERATIONS} kills: integrity ok, no FK violations, every batch whole or absent, every reported commit present`, async function () {
      this.timeout(30_000 + ITERATIONS * 4_000);
      const build = precompile();
      const script = build.js('test/faults/workers/crash-writer.ts');
      const env = { ...process.env, ...build.env, DB_PATH: path, DB_SYNCHRONOUS: synchronous, DB_BUSY_TIMEOUT: '5000' };
      const spawnChild = () => {
        const child = new WriterChild(script, env);
        children.push(child);
        return child;
      };
      const random = prng(SEED); // seeded, so a failing run can be replayed with CRASH_SEED
      const committed = new Set<string>();
      const figures: CrashFigures = {
        synchronous,
        kills: 0,
        killedMidTransaction: 0,
        inFlightFoundCommitted: 0,
        batchesReportedCommitted: 0,
        batchesPresent: 0,
        partialBatches: 0,
        lostBatches: 0,
      };

      let standby = spawnChild();
      for (let i = 0; i < ITERATIONS; i++) {
        const child = standby;
        await child.waitFor('loaded');
        standby = spawnChild();
        child.go(`r${i}`);
        await sleep(Math.floor(random() * MAX_KILL_DELAY_MS));
        await child.kill();
        figures.kills++;
        child.committed.forEach((tag) => committed.add(tag));

        const snapshot = inspectDatabase(path);
        const problems = crashViolations(snapshot, committed, CONTRACTS_PER_BATCH);
        figures.partialBatches += problems.filter((p) => p.startsWith('partial')).length;
        figures.lostBatches += problems.filter((p) => p.startsWith('lost')).length;
        expect(problems, `after kill ${i + 1} (CRASH_SEED=${SEED})`).to.deep.equal([]);

        const inFlight = child.inFlight();
        if (inFlight.length > 0) figures.killedMidTransaction++;
        // Killed after COMMIT reached the WAL but before "commit" was printed: present, and whole.
        figures.inFlightFoundCommitted += inFlight.filter((tag) => snapshot.contracts.has(tag)).length;
        figures.batchesPresent = snapshot.contracts.size;
      }
      await standby.kill();
      figures.batchesReportedCommitted = committed.size;
      process.stderr.write(`      [faults] crash figures (CRASH_SEED=${SEED}): ${JSON.stringify(figures)}\n`);

      // Enough happened for the result to mean something: commits, and kills inside open transactions.
      expect(figures.batchesReportedCommitted, 'batches committed').to.be.greaterThan(0);
      expect(figures.killedMidTransaction, 'kills that landed inside a transaction').to.be.greaterThan(0);
      expect(figures.batchesPresent).to.be.at.least(figures.batchesReportedCommitted);
    });

    it('the checker itself detects a half-written and a lost batch (so a pass above means something)', function () {
      if (!DIALECTS.includes('sqlite')) this.skip();
      const before = inspectDatabase(path);
      const [victim, removed] = [...before.contracts.keys()];
      expect(victim, 'the crash loop left batches to tamper with').to.be.a('string');
      const db = openSqlite(path);
      try {
        db.prepare(`delete from contractdesk_contracts where title = ?`).run(`${victim}#7`);
        db.prepare(`delete from contractdesk_contracts where title like ?`).run(`${removed}#%`);
        db.prepare(`delete from contractdesk_users where username like ?`).run(`${removed}-_`);
      } finally {
        db.close();
      }
      const problems = crashViolations(inspectDatabase(path), [removed], CONTRACTS_PER_BATCH);
      expect(problems).to.have.members([
        `partial batch ${victim}: 2/2 users, ${CONTRACTS_PER_BATCH - 1}/${CONTRACTS_PER_BATCH} contracts`,
        `lost batch ${removed}: reported committed, not present`,
      ]);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

