import { expect } from 'chai';
import { Contract } from '../../src/entities/contract.entity';
import { describeEachDialect } from '../helpers/orm';
import { makeContract } from '../helpers/factories';
import { spawnTs } from '../helpers/processes';
import { type RmwResult, mergeResults, runReadModifyWrite } from './workers/rmw';

const WORKERS = 8;
const PER_WORKER = 50;

describeEachDialect(
  'lost-update stress',
  (db) => {
    async function seed(n: number): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) ids.push((await makeContract(db.em(), { amount: 0n })).id);
      return ids;
    }

    /** The data itself must show every committed update exactly once. */
    async function expectEveryUpdateOnce(ids: string[], result: RmwResult): Promise<void> {
      expect(result.otherErrors, result.otherErrors.join('\n')).to.deep.equal([]);
      expect(result.busy, 'SQLITE_BUSY / lock timeouts').to.equal(0);
      let total = 0;
      for (const id of ids) {
        const stored = await db.em().findOneOrFail(Contract, id);
        const successes = result.successes[id];
        expect(stored.amount, `amount of ${id}`).to.equal(BigInt(successes));
        expect(stored.version, `version of ${id}`).to.equal(1 + successes);
        total += successes;
      }
      expect(total).to.be.greaterThan(WORKERS * PER_WORKER);
      console.log(
        `      [${db.variant}] attempts=${result.attempts} committed=${WORKERS * PER_WORKER} conflicts retried=${result.conflicts} ` +
          `row updates=${total} lost updates=0 busy=${result.busy}`,
      );
    }

    it(`${WORKERS} concurrent workers × ${PER_WORKER} read-modify-writes, one and two contracts per flush: no lost update`, async function () {
      this.timeout(180_000);
      const ids = await seed(3);
      const result = await runReadModifyWrite([() => db.em()], ids, { workers: WORKERS, perWorker: PER_WORKER });
      await expectEveryUpdateOnce(ids, result);
    });

    // SQLite's multi-writer case is the multi-process test below (one connection per process).
    if (db.dialect === 'postgresql') it('two app instances (two ORMs, two pools) on one database: no lost update', async function () {
      this.timeout(180_000);
      const other = await db.openAnother();
      const ids = await seed(2);
      const result = await runReadModifyWrite([() => db.em(), () => other.em.fork()], ids, { workers: WORKERS, perWorker: PER_WORKER });
      await expectEveryUpdateOnce(ids, result);
    });

    it('four OS processes × 2 workers on one database: no lost update, no BUSY or lock timeout', async function () {
      this.timeout(400_000);
      const ids = await seed(2);
      const processes = 4;
      const perWorker = (WORKERS * PER_WORKER) / (processes * 2);
      const children = Array.from({ length: processes }, () =>
        spawnTs('test/concurrency/workers/rmw-process.ts', ['2', String(perWorker), ...ids], db.env),
      );
      await Promise.all(children.map((c) => c.line('READY')));
      const results = children.map((c) => c.line('RESULT '));
      for (const c of children) c.child.stdin!.end('go\n');
      const merged = mergeResults((await Promise.all(results)).map((r) => JSON.parse(r) as RmwResult));
      expect(await Promise.all(children.map((c) => c.exited))).to.deep.equal(Array(processes).fill(0));
      await expectEveryUpdateOnce(ids, merged);
    });
  },
  { sqliteFile: true },
);
