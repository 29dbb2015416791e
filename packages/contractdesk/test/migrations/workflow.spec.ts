import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { projectRoot } from '../../src/config/paths';
import { workspaceRoot } from '../helpers/workspace';
import { type Dialect, migrationPaths } from '../../src/config/orm-config';
import { DOWN_TODO_MARKER, createMigrations } from '../../src/tools/migration-workflow';
import { describeEachDialect } from '../helpers/orm';
import { appliedMigrations, rawFor, realMigrations } from './db-state';
import { postgresMigrationProblems } from './migration-files';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs an operator command (an npm script's file, or the MikroORM CLI) against the throwaway database only. */
function run(command: 'db-status' | 'migration-down' | 'mikro-orm', args: string[], dbEnv: Record<string, string>): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: undefined, DB_PATH: undefined, NO_COLOR: '1', FORCE_COLOR: '0', ...dbEnv };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  const [file, argv] =
    command === 'mikro-orm'
      ? [join(workspaceRoot, 'node_modules', '.bin', 'mikro-orm'), args]
      : [process.execPath, ['-r', 'ts-node/register/transpile-only', join(projectRoot, 'src/tools/commands', `${command}.ts`), ...args]];
  return new Promise((resolve) => {
    execFile(file, argv, { cwd: workspaceRoot, env, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const snapshotPath = (dialect: Dialect) => join(migrationPaths(dialect).pathTs, `${migrationPaths(dialect).snapshotName}.json`);
const snapshots = () => ({ sqlite: readFileSync(snapshotPath('sqlite')), postgresql: readFileSync(snapshotPath('postgresql')) });

describeEachDialect(
  'migration workflow: db:status and migration:down',
  (db) => {
    it('db:status on a never-migrated database says so and exits 1 (never "no changes")', async function () {
      this.timeout(120_000);
      const status = await run('db-status', [], db.env);
      expect(status.code, status.stdout + status.stderr).to.equal(1);
      expect(status.stdout).to.match(/never migrated/);
      expect(status.stdout).to.match(new RegExp(`pending \\(${realMigrations(db.dialect).length}\\)`));
      expect(status.stdout).to.match(/status: NOT OK/);
      expect(status.stdout).not.to.match(/status: OK|No changes/);
      // A status check only reads: it did not create the migration table.
      const raw = await rawFor(db.env);
      try {
        expect(await raw.tableExists('contractdesk_migrations')).to.equal(false);
      } finally {
        await raw.close();
      }
    });

    it('db:status is OK once migrated, and exits 1 on schema drift the migrations do not explain', async function () {
      this.timeout(120_000);
      await db.orm.migrator.up();
      const ok = await run('db-status', [], db.env);
      expect(ok.code, ok.stdout + ok.stderr).to.equal(0);
      expect(ok.stdout).to.match(/pending \(0\)/);
      expect(ok.stdout).to.match(/entities match the committed snapshot: yes/);
      expect(ok.stdout).to.match(/database schema matches the entities: yes/);
      expect(ok.stdout).to.match(/status: OK/);

      const raw = await rawFor(db.env);
      try {
        // Someone altered the schema by hand: an extra column is drift as much as a missing one.
        await raw.query('alter table contractdesk_users add column hand_made integer');
        const drift = await run('db-status', [], db.env);
        expect(drift.code, drift.stdout + drift.stderr).to.equal(1);
        expect(drift.stdout).to.match(/database schema matches the entities: NO/);
        await raw.query('alter table contractdesk_users drop column hand_made');
      } finally {
        await raw.close();
      }
    });

    it('migration:down (ours and the raw CLI) never changes the committed snapshots; SQLite refuses in one typed line', async function () {
      this.timeout(180_000);
      await db.orm.migrator.up();
      const all = realMigrations(db.dialect).map((m) => m.name);
      const before = snapshots();
      // Checked right after each down: a later up() would write the migrated schema back over it.
      const expectSnapshotsUnchanged = (after: string) => {
        const now = snapshots();
        expect(now.sqlite.equals(before.sqlite), `sqlite snapshot unchanged after ${after}`).to.equal(true);
        expect(now.postgresql.equals(before.postgresql), `postgresql snapshot unchanged after ${after}`).to.equal(true);
      };
      const raw = await rawFor(db.env);
      try {
        const down = await run('migration-down', [], db.env);
        expectSnapshotsUnchanged('migration:down');
        if (db.dialect === 'sqlite') {
          expect(down.code, down.stdout + down.stderr).to.equal(2);
          const lines = down.stderr.trim().split('\n');
          expect(lines, down.stderr).to.have.length(1);
          expect(lines[0]).to.match(/^migration:down: MIGRATION\.IRREVERSIBLE: Migration\d+_\w+ has no down\(\); nothing was changed\. SQLite migrations have no down\(\)/);
          expect(down.stderr).not.to.match(/\n\s+at |Usage|--help/);
          expect(await appliedMigrations(raw), 'nothing was reverted').to.deep.equal(all);
        } else {
          expect(down.code, down.stdout + down.stderr).to.equal(0);
          expect(down.stdout).to.include(`reverted: ${all[all.length - 1]}`);
          expect(await appliedMigrations(raw)).to.deep.equal(all.slice(0, -1));
          await db.orm.migrator.up();
          // The stock CLI command goes through the same config, so it leaves the snapshot alone too.
          const cliDown = await run('mikro-orm', ['migration:down'], db.env);
          expectSnapshotsUnchanged('mikro-orm migration:down');
          expect(cliDown.code, cliDown.stdout + cliDown.stderr).to.equal(0);
          expect(await appliedMigrations(raw)).to.deep.equal(all.slice(0, -1));
          await db.orm.migrator.up();
        }
      } finally {
        await raw.close();
        // A failure here must not leave the committed files changed for the next run or a commit.
        if (!snapshots().sqlite.equals(before.sqlite)) writeFileSync(snapshotPath('sqlite'), before.sqlite);
        if (!snapshots().postgresql.equals(before.postgresql)) writeFileSync(snapshotPath('postgresql'), before.postgresql);
      }
    });
  },
  { migrate: false, clearBeforeEach: false, sqliteFile: true },
);

describe('migration workflow: db:status without a database file', () => {
  it('reports a missing SQLite file as never migrated and does not create it', async function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'contractdesk-test-'));
    try {
      const file = join(dir, 'missing', 'db.sqlite3');
      const status = await run('db-status', [], { DB_PATH: file });
      expect(status.code, status.stdout + status.stderr).to.equal(1);
      expect(status.stdout).to.match(/the database file does not exist/);
      expect(existsSync(file)).to.equal(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('migration workflow: migration:create for both dialects', () => {
  let dir: string;
  const folders = () => ({ sqlite: { dir: join(dir, 'sqlite') }, postgresql: { dir: join(dir, 'postgresql') } });

  beforeEach(() => {
    // Inside the project (.tmp/ is git-ignored) so the copied migrations resolve @mikro-orm/migrations.
    mkdirSync(join(projectRoot, '.tmp'), { recursive: true });
    dir = mkdtempSync(join(projectRoot, '.tmp', 'migrations-'));
    for (const dialect of ['sqlite', 'postgresql'] as const) cpSync(migrationPaths(dialect).pathTs, join(dir, dialect), { recursive: true });
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Pretends users.email was added to the entity after the last migration: it disappears from a snapshot copy. */
  function forgetEmailColumn(dialect: Dialect): void {
    const file = join(dir, dialect, `.snapshot-${dialect}.json`);
    const snapshot = JSON.parse(readFileSync(file, 'utf8'));
    delete snapshot.tables.find((t: { name: string }) => t.name === 'contractdesk_users').columns.email;
    writeFileSync(file, JSON.stringify(snapshot, null, 2));
  }

  it('writes nothing when the entities match both snapshots', async function () {
    this.timeout(60_000);
    const created = await createMigrations({ name: 'Nothing', folders: folders() });
    expect(created.map((m) => [m.dialect, m.fileName])).to.deep.equal([
      ['sqlite', ''],
      ['postgresql', ''],
    ]);
    for (const dialect of ['sqlite', 'postgresql'] as const) {
      expect(readdirSync(join(dir, dialect)).sort()).to.deep.equal(readdirSync(migrationPaths(dialect).pathTs).sort());
    }
  });

  it('writes one migration per dialect, moves both snapshots forward, and gives PostgreSQL a down() the author must finish', async function () {
    this.timeout(60_000);
    forgetEmailColumn('sqlite');
    forgetEmailColumn('postgresql');
    const created = await createMigrations({ name: 'AddEmail', folders: folders() });
    expect(created.map((m) => m.dialect)).to.deep.equal(['sqlite', 'postgresql']);
    for (const m of created) {
      expect(m.fileName).to.match(/^Migration\d{14}_AddEmail\.ts$/);
      const source = readFileSync(m.path!, 'utf8');
      expect(source).to.match(/add column \\?.email/);
    }
    // Each snapshot moved forward with its migration: a second run finds nothing left to do.
    const again = await createMigrations({ name: 'Again', folders: folders() });
    expect(again.map((m) => m.fileName)).to.deep.equal(['', '']);
    const pg = created.find((m) => m.dialect === 'postgresql')!;
    expect(pg.downWritten).to.equal(false);
    const pgSource = readFileSync(pg.path!, 'utf8');
    expect(pgSource).to.match(/override async down\(\)/);
    expect(pgSource).to.include(`throw new Error('${DOWN_TODO_MARKER}')`);
    expect(pgSource).to.include('drop column "email"');
    // The rule test/migrations applies to the committed folder refuses exactly this file.
    expect(postgresMigrationProblems(join(dir, 'postgresql'))).to.deep.equal([`${pg.fileName.replace(/\.ts$/, '')}: down() not written (${DOWN_TODO_MARKER})`]);
  });
});

describe('migration files: every PostgreSQL migration can be reverted', () => {
  it('has a real down() after the initial one, with no placeholder left', () => {
    expect(postgresMigrationProblems(migrationPaths('postgresql').pathTs)).to.deep.equal([]);
  });
});
