import { expect } from 'chai';
import { runMigrateCommand } from '../../src/tools/migrate';
import { describeEachDialect } from '../helpers/orm';
import { appliedMigrations, rawFor, realMigrations, schemaFingerprint } from './db-state';

/** The operator's `db:migrate` (what a production install has instead of the mikro-orm CLI), in process. */
async function migrate(args: string[], env: Record<string, string>): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runMigrateCommand(args, env, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

async function applied(env: Record<string, string>): Promise<string[]> {
  const raw = await rawFor(env);
  try {
    return await appliedMigrations(raw);
  } finally {
    await raw.close();
  }
}

describeEachDialect(
  'db:migrate on a fresh database',
  (db) => {
    const names = () => realMigrations(db.dialect).map((m) => m.name);

    it('status and pending list every migration before up; up applies them all; then status exits 0', async function () {
      this.timeout(120_000);
      const before = await migrate(['status'], db.env);
      expect(before.code, before.err.join('\n')).to.equal(1);
      expect(before.out[0]).to.equal('applied: 0');
      expect(before.out[1]).to.equal(`pending: ${names().length}`);

      const pending = await migrate(['pending'], db.env);
      expect(pending.code).to.equal(0);
      expect(pending.out).to.deep.equal(names());

      const up = await migrate(['up'], db.env);
      expect(up.code, up.err.join('\n')).to.equal(0);
      expect(up.out[0]).to.match(new RegExp(`^applied ${names().length}: `));
      expect(await applied(db.env)).to.deep.equal(names());

      const again = await migrate(['up'], db.env);
      expect(again.code).to.equal(0);
      expect(again.out).to.deep.equal(['up to date: nothing to apply']);

      const after = await migrate(['status'], db.env);
      expect(after.code).to.equal(0);
      expect(after.out).to.deep.equal([`applied: ${names().length} (last: ${names()[names().length - 1]})`, 'pending: 0']);
      expect((await migrate(['pending'], db.env)).out).to.deep.equal([]);
    });

    it('down reverts the last migration where it has a down(), else refuses in one line and changes nothing', async function () {
      this.timeout(120_000);
      const raw = await rawFor(db.env);
      const schemaBefore = await schemaFingerprint(raw);
      await raw.close();
      const down = await migrate(['down'], db.env);
      const last = names()[names().length - 1];
      if (db.dialect === 'postgresql') {
        expect(down.code, down.err.join('\n')).to.equal(0);
        expect(down.out).to.deep.equal([`reverted: ${last}`]);
        expect(await applied(db.env)).to.deep.equal(names().slice(0, -1));
        expect((await migrate(['up'], db.env)).code).to.equal(0);
      } else {
        expect(down.code).to.equal(2);
        const refusal = down.err.filter((l) => !l.startsWith('[contractdesk]'));
        expect(refusal).to.have.length(1);
        expect(refusal[0]).to.match(/\[MIGRATION\.IRREVERSIBLE\].*has no down\(\); nothing was changed/);
        expect(await applied(db.env)).to.deep.equal(names());
      }
      const after = await rawFor(db.env);
      try {
        expect(await schemaFingerprint(after)).to.deep.equal(schemaBefore);
      } finally {
        await after.close();
      }
    });

    it('down --to reverts back to and including a named migration, and refuses in one line when one of them has no down()', async function () {
      this.timeout(120_000);
      const all = names();
      // The first migration (the initial schema) has no down() on either dialect: refused, nothing reverted.
      const refused = await migrate(['down', '--to', all[0]], db.env);
      expect(refused.code).to.equal(2);
      expect(refused.err.filter((l) => !l.startsWith('[contractdesk]'))).to.have.length(1);
      expect(refused.err.join('\n')).to.match(/\[MIGRATION\.IRREVERSIBLE\]: Migration\w+ has no down\(\); nothing was changed/);
      expect(await applied(db.env)).to.deep.equal(all);
      if (db.dialect === 'postgresql') {
        const down = await migrate(['down', '--to', all[1]], db.env);
        expect(down.code, down.err.join('\n')).to.equal(0);
        expect(down.out).to.deep.equal([`reverted: ${all.slice(1).reverse().join(', ')}`]);
        expect(await applied(db.env)).to.deep.equal(all.slice(0, 1));
        expect((await migrate(['up'], db.env)).code).to.equal(0);
      }
      const unknown = await migrate(['down', '--to', 'Migration19990101000000_Never'], db.env);
      expect(unknown.code).to.equal(2);
      expect(unknown.err.join('\n')).to.match(/\[MIGRATION\.UNKNOWN\]/);
      expect(await applied(db.env)).to.deep.equal(all);
    });

    it('a database with a migration this build does not know: status exits 2, up and down refuse', async function () {
      this.timeout(60_000);
      const raw = await rawFor(db.env);
      try {
        await raw.transaction([[`insert into contractdesk_migrations (name, executed_at) values ('Migration29991231000000_FromTheFuture', ${db.dialect === 'sqlite' ? 'datetime()' : 'now()'})`]]);
        const status = await migrate(['status'], db.env);
        expect(status.code).to.equal(2);
        expect(status.out).to.include('  Migration29991231000000_FromTheFuture');
        for (const command of ['up', 'down']) {
          const refused = await migrate([command], db.env);
          expect(refused.code, command).to.equal(2);
          expect(refused.err.join('\n')).to.match(/\[MIGRATION\.UNKNOWN_APPLIED\].*FromTheFuture/);
        }
        expect(await appliedMigrations(raw)).to.deep.equal([...names(), 'Migration29991231000000_FromTheFuture']);
      } finally {
        await raw.transaction([["delete from contractdesk_migrations where name = 'Migration29991231000000_FromTheFuture'"]]);
        await raw.close();
      }
    });

    it('usage errors exit 2 without touching the database', async () => {
      for (const args of [[], ['sideways'], ['up', 'extra'], ['up', '--to', 'x'], ['down', '--to'], ['down', '--to', ''], ['down', 'x']]) {
        const result = await migrate(args, db.env);
        expect(result.code, args.join(' ')).to.equal(2);
        expect(result.err).to.deep.equal(['usage: npm run db:migrate -- <up | down [--to <MigrationName>] | pending | status>']);
      }
    });
  },
  { migrate: false, clearBeforeEach: false, sqliteFile: true },
);
