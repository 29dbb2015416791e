import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createConfig, initOrm } from '../../src/config/orm-config';
import { projectRoot } from '../../src/config/paths';
import { copyDatabase, summariseDatabase } from '../../src/tools/db-copy';
import { rawFor } from './db-state';
import { SMALL_SEED, seed } from './seed';

function runCopy(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  delete env.DB_PATH;
  return new Promise((resolve) => {
    execFile(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/db-copy.ts', ...args], { cwd: projectRoot, env, timeout: 90_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('db:copy: locations the app would refuse, and new target folders', function () {
  this.timeout(120_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'contractdesk-test-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const [from, to] of [
    ['SOURCE', 'mysql://app@db/contractdesk'],
    ['sqlite3:///tmp/contractdesk.sqlite3', 'TARGET'],
  ]) {
    it(`refuses ${from.includes('://') ? from : to} with the app's CONFIG code, in one line, creating nothing`, async () => {
      const args = ['--from', from === 'SOURCE' ? join(dir, 'source.sqlite3') : from, '--to', to === 'TARGET' ? join(dir, 'target.sqlite3') : to];
      const result = await runCopy(args);
      expect(result.code, result.stderr).to.equal(2);
      expect(result.stderr.trim().split('\n'), result.stderr).to.have.length(1);
      expect(result.stderr).to.match(/^db:copy refused \[CONFIG\.UNSUPPORTED_DATABASE_URL\]: .*scheme "(mysql|sqlite3):" is not supported/);
      expect(existsSync(join(projectRoot, 'mysql:')), 'no file named after the URL').to.equal(false);
      expect(existsSync(join(dir, 'target.sqlite3'))).to.equal(false);
    });
  }

  it('creates the missing parent folders of a SQLite target and copies into it', async () => {
    const source = join(dir, 'source.sqlite3');
    const migrations = { ...createConfig({ DB_PATH: source }).migrations, silent: true };
    const orm = await initOrm({ env: { DB_PATH: source }, log: () => undefined, options: { migrations } });
    await orm.migrator.up();
    await orm.close(true);
    const raw = await rawFor({ DB_PATH: source });
    try {
      await seed(raw, SMALL_SEED);
    } finally {
      await raw.close();
    }
    const target = join(dir, 'not', 'yet', 'there', 'target sqlite3');
    // As a URL (what DATABASE_URL takes), percent-escapes and all: db:copy reads locations as the app does.
    const targetUrl = `sqlite://${target.replace(' ', '%20')}`;
    const report = await copyDatabase({ from: source, to: targetUrl, log: () => undefined, progress: { isTTY: false, write: () => true } as never });
    expect(report.ok).to.equal(true);
    expect(await summariseDatabase(target)).to.deep.equal(await summariseDatabase(source));
  });
});
