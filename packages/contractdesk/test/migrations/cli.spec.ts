import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { workspaceRoot } from '../helpers/workspace';
import { describeEachDialect } from '../helpers/orm';
import { appliedMigrations, rawFor, realMigrations } from './db-state';

const CLI = join(workspaceRoot, 'node_modules', '.bin', 'mikro-orm');

/** Runs the real CLI the way an operator on a fresh clone does, pointed at the throwaway database only. */
function cli(args: string[], dbEnv: Record<string, string>): Promise<{ code: number; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: undefined, DB_PATH: undefined, FORCE_COLOR: '0', NO_COLOR: '1', ...dbEnv };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return new Promise((resolve) => {
    execFile(CLI, args, { cwd: workspaceRoot, env, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}\n${stderr}` });
    });
  });
}

describeEachDialect(
  'mikro-orm CLI on a fresh database',
  (db) => {
    it('migration:up applies every migration, then migration:check finds no drift', async function () {
      this.timeout(180_000);
      const up = await cli(['migration:up'], db.env);
      expect(up.code, up.output).to.equal(0);
      const raw = await rawFor(db.env);
      try {
        expect(await appliedMigrations(raw)).to.deep.equal(realMigrations(db.dialect).map((m) => m.name));
      } finally {
        await raw.close();
      }
      const check = await cli(['migration:check'], db.env);
      expect(check.code, check.output).to.equal(0);
      expect(check.output).to.match(/No changes required/);
    });
  },
  { migrate: false, clearBeforeEach: false, sqliteFile: true },
);
