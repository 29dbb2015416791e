import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { createConfig, initOrm } from '../../../../packages/contractdesk/src/config/orm-config';
import { describeEachDialect } from '../../../../packages/contractdesk/test/helpers/orm';
import { spawnTs } from '../../../../packages/contractdesk/test/helpers/processes';
import { realMigrations } from '../../../../packages/contractdesk/test/migrations/db-state';

const INSTANCES = 4;

describeEachDialect(
  'migrations once: instances starting together with MIGRATE_ON_START=true',
  (db) => {
    it(`${INSTANCES} processes released at one moment: every migration applied exactly once, by one of them; all start`, async function () {
      this.timeout(240_000);
      const expected = realMigrations(db.dialect).map((m) => m.name);
      const children = Array.from({ length: INSTANCES }, () =>
        spawnTs('../../apps/server/test/migrations/workers/start-instance.ts', [], { ...db.env, MIGRATE_ON_START: 'true', DB_POOL_MAX: '4' }),
      );
      try {
        await Promise.all(children.map((c) => c.line('READY')));
        for (const c of children) c.child.stdin!.write('go\n');
        const applied = (await Promise.all(children.map((c) => c.line('STARTED')))).map((line) => JSON.parse(line) as string[]);
        const codes = await Promise.all(children.map((c) => c.exited));
        expect(codes, children.map((c) => c.stderr()).join('\n')).to.deep.equal(children.map(() => 0));

        // Each migration applied by exactly one instance; the others found nothing pending.
        expect(applied.flat().sort()).to.deep.equal([...expected].sort());
        expect(applied.filter((list) => list.length > 0)).to.have.length(1);

        const rows = await db.em().getConnection().execute<{ name: string; n: number | string }[]>(
          'select name, count(*) as n from contractdesk_migrations group by name order by name',
        );
        expect(rows.map((r) => [r.name, Number(r.n)])).to.deep.equal(expected.map((name) => [name, 1]));
        console.log(`      [${db.variant}] ${INSTANCES} instances, ${expected.length} migrations, applied by one instance, rows once each`);
      } finally {
        for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
      }
    });

    if (db.dialect === 'sqlite') it('SQLite lock file: a lock left by a dead process is taken over; a live holder is waited for', async function () {
      this.timeout(60_000);
      const env = { DB_PATH: db.env.DB_PATH.replace(/[^/]+$/, 'lockfile.sqlite3') };
      const orm = await initOrm({ env, log: () => undefined, options: { migrations: { ...createConfig(env).migrations, silent: true } } });
      try {
        const lock = `${env.DB_PATH}.migrate-lock`;
        const dead = spawnSync(process.execPath, ['-e', '0']).pid;
        writeFileSync(lock, String(dead));
        const applied = await orm.migrator.up();
        expect(applied.map((m) => m.name)).to.deep.equal(realMigrations('sqlite').map((m) => m.name));
        expect(existsSync(lock)).to.equal(false);

        writeFileSync(lock, String(process.pid));
        let finished = false;
        const run = orm.migrator.up().then(() => (finished = true));
        await new Promise((r) => setTimeout(r, 500));
        expect(finished, 'ran while a live process held the lock').to.equal(false);
        unlinkSync(lock);
        await run;
        expect(finished).to.equal(true);
      } finally {
        await orm.close(true);
      }
    });

    if (db.dialect === 'sqlite') it('SQLite lock file: two waiters racing one stale lock, one of them slow between reading it and acting: exactly one migration run (issue 23)', async function () {
      this.timeout(120_000);
      const path = db.env.DB_PATH.replace(/[^/]+$/, 'stale-race.sqlite3');
      const lock = `${path}.migrate-lock`;
      writeFileSync(lock, String(spawnSync(process.execPath, ['-e', '0']).pid));
      const slow = spawnTs('../../apps/server/test/migrations/workers/stale-lock-waiter.ts', ['slow'], { DB_PATH: path });
      let fast: ReturnType<typeof spawnTs> | undefined;
      try {
        // The slow waiter has read the dead holder's lock; the fast one now takes it over and migrates.
        await slow.line('SAW_STALE');
        fast = spawnTs('../../apps/server/test/migrations/workers/stale-lock-waiter.ts', ['fast'], { DB_PATH: path });
        const results = await Promise.allSettled([slow.line('APPLIED'), fast.line('APPLIED')]);
        const codes = await Promise.all([slow.exited, fast.exited]);
        expect(codes, `${slow.stderr()}\n${fast.stderr()}`).to.deep.equal([0, 0]);
        const applied = results.map((r) => (r.status === 'fulfilled' ? (JSON.parse(r.value) as string[]) : ['failed']));
        // The fast waiter took the stale lock and ran everything; the slow one waited and found nothing pending.
        expect(applied).to.deep.equal([[], realMigrations('sqlite').map((m) => m.name)]);
        expect(existsSync(lock)).to.equal(false);
      } finally {
        for (const c of [slow, fast]) if (c && c.child.exitCode === null) c.child.kill('SIGKILL');
      }
    });
  },
  { sqliteFile: true, migrate: false, clearBeforeEach: false },
);
