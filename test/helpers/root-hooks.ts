import 'reflect-metadata';
import { stopSharedPgBouncer } from './pgbouncer';

const skipped = new Map<string, string>();

export function recordSkippedPostgres(suite: string, reason: string): void {
  skipped.set(suite, reason);
}

/** Mocha root hooks: a loud banner when the PostgreSQL half did not run. */
export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopSharedPgBouncer();
    if (skipped.size === 0) return;
    const reason = [...skipped.values()][0];
    const line = '!'.repeat(78);
    process.stderr.write(
      `\n${line}\n!! PostgreSQL half SKIPPED for ${skipped.size} suite(s): ${reason}\n` +
        `!! Only SQLite was tested. Start PostgreSQL (see README) or set TEST_PG_ADMIN_URL.\n` +
        `!! Under CI=true this is a failure.\n${line}\n`,
    );
  },
};
