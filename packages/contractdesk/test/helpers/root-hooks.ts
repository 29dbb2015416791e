import 'reflect-metadata';
import { closeSharedBrowser } from './browser';
import { stopSharedPgBouncer } from './pgbouncer';

const skipped = new Map<string, string>();

export function recordSkippedPostgres(suite: string, reason: string): void {
  skipped.set(suite, reason);
}

const skippedBrowser = new Map<string, string>();

/** A browser suite that could not run (no chromium): reported in a banner at the end, like PostgreSQL. */
export function recordSkippedBrowser(suite: string, reason: string): void {
  skippedBrowser.set(suite, reason);
}

function banner(lines: string[]): void {
  const line = '!'.repeat(78);
  process.stderr.write(`\n${line}\n${lines.map((l) => `!! ${l}\n`).join('')}${line}\n`);
}

/** Mocha root hooks: a loud banner when the PostgreSQL half or the browser suites did not run. */
export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopSharedPgBouncer();
    await closeSharedBrowser();
    if (skipped.size > 0) {
      banner([
        `PostgreSQL half SKIPPED for ${skipped.size} suite(s): ${[...skipped.values()][0]}`,
        'Only SQLite was tested. Start PostgreSQL (see README) or set TEST_PG_ADMIN_URL.',
        'Under CI=true this is a failure.',
      ]);
    }
    if (skippedBrowser.size > 0) {
      banner([
        `Browser tests SKIPPED for ${skippedBrowser.size} suite(s): ${[...skippedBrowser.values()][0]}`,
        'Swagger UI at /docs was not checked. Install chromium (apt-get install -y chromium) or set CHROMIUM_PATH.',
        'Under CI=true this is a failure.',
      ]);
    }
  },
};
