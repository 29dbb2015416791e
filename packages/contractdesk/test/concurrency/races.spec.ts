import { expect } from 'chai';
import { ContractService } from '../../src/services/contract.service';
import { PushSubscriptionService } from '../../src/services/push-subscription.service';
import { UserService } from '../../src/services/user.service';
import { Contract } from '../../src/entities/contract.entity';
import { PushSubscription } from '../../src/entities/push-subscription.entity';
import { ContractStatus } from '../../src/domain/contract-status';
import { DomainError } from '../../src/errors/domain-error';
import { describeEachDialect } from '../helpers/orm';
import { fcmEndpoint, makeContract, pushKeys, uniqueName } from '../helpers/factories';
import { expectDomainError } from '../helpers/expect-error';

describeEachDialect('check-then-act races', (db) => {
  const newUser = () => {
    const name = uniqueName();
    return new UserService(db.em()).register({ username: name, email: `${name}@example.org`, role: 'both' });
  };

  it('16 accounts claim one endpoint at once: exactly one owner, one row, 15 × PUSH.ENDPOINT_CLAIMED; the owner can still refresh', async () => {
    const users = await Promise.all(Array.from({ length: 16 }, () => newUser()));
    const endpoint = fcmEndpoint('contested');
    const keys = users.map((u) => pushKeys(u.id.slice(0, 8)));
    // Two service instances on different EntityManagers (PostgreSQL: two pools) so claims truly overlap.
    const other = await db.openAnother();
    const results = await Promise.allSettled(
      users.map((u, i) => new PushSubscriptionService(i % 2 ? db.em() : other.em.fork()).subscribe(u.id, { endpoint, keys: keys[i] })),
    );
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(winners).to.have.length(1);
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as DomainError).code).to.equal('PUSH.ENDPOINT_CLAIMED');
    }
    const rows = await db.em().find(PushSubscription, { endpoint });
    expect(rows).to.have.length(1);
    const owner = winners[0];
    expect(rows[0].user.id).to.equal(users[owner].id);
    expect(rows[0]).to.deep.include({ p256dh: keys[owner].p256dh, auth: keys[owner].auth });

    const fresh = pushKeys('refreshed');
    const refreshed = await new PushSubscriptionService(db.em()).subscribe(users[owner].id, { endpoint, keys: fresh });
    expect(refreshed.id).to.equal(rows[0].id);
    const after = await db.em().find(PushSubscription, { endpoint });
    expect(after).to.have.length(1);
    expect(after[0]).to.deep.include({ p256dh: fresh.p256dh, auth: fresh.auth });
  });

  it('active → completed and active → disputed at once from the same version: exactly one wins, every time', async () => {
    const other = await db.openAnother();
    for (let round = 0; round < 10; round++) {
      const c = await makeContract(db.em());
      const active = await new ContractService(db.em()).transition(c.id, { to: 'active', expectedVersion: 1 });
      const results = await Promise.allSettled([
        new ContractService(db.em()).transition(c.id, { to: 'completed', expectedVersion: active.version }),
        new ContractService(other.em.fork()).transition(c.id, { to: 'disputed', expectedVersion: active.version }),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<Contract>[];
      const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      expect(won, `round ${round}`).to.have.length(1);
      expect((lost[0].reason as DomainError).code).to.equal('CONTRACT.VERSION_CONFLICT');
      const stored = await db.em().findOneOrFail(Contract, c.id);
      expect(stored.status).to.equal(won[0].value.status);
      expect(stored.version).to.equal(active.version + 1);
    }
  });

  it('a write committed between a caller’s read and its transition → VERSION_CONFLICT, the other write intact', async () => {
    const c = await makeContract(db.em());
    const seen = await new ContractService(db.em()).get(c.id);
    await new ContractService(db.em()).rename(c.id, { title: 'Renamed meanwhile', expectedVersion: seen.version });
    await expectDomainError(
      new ContractService(db.em()).transition(c.id, { to: ContractStatus.Cancelled, expectedVersion: seen.version }),
      'CONTRACT.VERSION_CONFLICT',
    );
    expect(await db.em().findOneOrFail(Contract, c.id)).to.deep.include({ title: 'Renamed meanwhile', status: 'draft', version: 2 });
  });

  it('two contracts in one flush, a concurrent write to the second between load and flush: nothing of the flush lands', async () => {
    const a = await makeContract(db.em(), { amount: 1n });
    const b = await makeContract(db.em(), { amount: 2n });
    const em = db.em();
    const [la, lb] = [await em.findOneOrFail(Contract, a.id), await em.findOneOrFail(Contract, b.id)];
    await new ContractService(db.em()).reviseAmount(b.id, { amount: 222n, expectedVersion: 1 });
    la.reviseAmount(10n);
    lb.reviseAmount(20n);
    let error: unknown;
    try {
      await em.flush();
    } catch (e) {
      error = e;
    }
    expect(error, 'the stale flush must fail').to.be.instanceOf(Error);
    expect((error as Error).name).to.equal('OptimisticLockError');
    expect(await db.em().findOneOrFail(Contract, a.id)).to.deep.include({ amount: 1n, version: 1 });
    expect(await db.em().findOneOrFail(Contract, b.id)).to.deep.include({ amount: 222n, version: 2 });
  });

  // Inside one transaction: load, then another connection commits, then flush. PostgreSQL only: on SQLite
  // the transaction holds the write lock from BEGIN IMMEDIATE, so no other writer can commit in between
  // (asserted separately below).
  if (db.dialect === 'postgresql') {
    for (const count of [1, 2]) {
      it(`inside a transaction, a concurrent commit between load and flush of ${count} contract(s) → conflict, the other write intact`, async () => {
        const other = await db.openAnother();
        const ids = [(await makeContract(db.em(), { amount: 5n })).id, (await makeContract(db.em(), { amount: 6n })).id].slice(0, count);
        const victim = ids[ids.length - 1];
        const concurrent = outsideTransaction(() => new ContractService(other.em.fork()).reviseAmount(victim, { amount: 999n, expectedVersion: 1 }));
        let error: unknown;
        try {
          await db.em().transactional(async (em) => {
            const loaded = await em.find(Contract, { id: { $in: ids } });
            await concurrent.run();
            for (const c of loaded) c.reviseAmount(c.amount + 100n);
          });
        } catch (e) {
          error = e;
        }
        expect((error as Error)?.name).to.equal('OptimisticLockError');
        const stored = await db.em().find(Contract, { id: { $in: ids } });
        for (const c of stored) {
          if (c.id === victim) expect(c).to.deep.include({ amount: 999n, version: 2 });
          else expect(c).to.deep.include({ amount: 5n, version: 1 });
        }
      });
    }
  } else {
    it('a write transaction holds the SQLite write lock from its first statement: no writer can commit in between', async () => {
      const other = await db.openAnother({ driverOptions: { connection: { pragmas: { journalMode: 'WAL', synchronous: 'NORMAL', busyTimeoutMs: 100 } } } });
      const c = await makeContract(db.em(), { amount: 5n });
      let inner: unknown;
      const concurrent = outsideTransaction(() => new ContractService(other.em.fork()).reviseAmount(c.id, { amount: 999n, expectedVersion: 1 }));
      await db.em().transactional(async (em) => {
        const loaded = await em.findOneOrFail(Contract, c.id);
        try {
          await concurrent.run();
        } catch (e) {
          inner = e;
        }
        loaded.reviseAmount(6n);
      });
      expect((inner as DomainError)?.code).to.equal('DB.CONTENTION');
      expect(await db.em().findOneOrFail(Contract, c.id)).to.deep.include({ amount: 6n, version: 2 });
    });
  }
}, { sqliteFile: true });

/**
 * MikroORM 6.6 carries the current transaction in AsyncLocalStorage, so a service called from inside a
 * transactional() callback would join that transaction instead of acting as another client. The work is
 * therefore chained here, outside, and only released from inside.
 */
function outsideTransaction<T>(work: () => Promise<T>): { run(): Promise<T> } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const done = gate.then(work);
  done.catch(() => undefined);
  return {
    run() {
      release();
      return done;
    },
  };
}
