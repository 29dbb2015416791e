/**
 * `npm run db:seed`: demo data (a client, a freelancer, an administrator holding a role, a contract in every
 * status) on the database DATABASE_URL / DB_PATH name, migrated first as `npm start` would, plus a development
 * token per user. Idempotent. Exit codes: 0 seeded (or nothing to do); 2 refused (NODE_ENV=production, a setting,
 * pending migrations with MIGRATE_ON_START=false, …); 3 unexpected failure.
 */
import 'reflect-metadata';
import { DomainError, resolveBackend } from 'contractdesk';
import { DatabaseStartupError, databaseStartupError } from 'contractdesk/internal';
import { formatOutcome } from './seed/print-outcome';
import { runSeed } from './seed/run-seed';

async function main(): Promise<number> {
  try {
    process.stdout.write(formatOutcome(await runSeed(process.env)));
    return 0;
  } catch (error) {
    if (error instanceof DomainError) {
      process.stderr.write(`db:seed refused [${error.code}]: ${error.message}\n`);
      return error.kind === 'config' || error.kind === 'conflict' ? 2 : 3;
    }
    // A database that cannot be opened: the same one-line diagnosis as the app's start.
    const known = databaseStartupError(error, resolveBackend(process.env));
    if (known instanceof DatabaseStartupError) {
      process.stderr.write(`db:seed failed: ${known.line()}\n`);
      return 2;
    }
    process.stderr.write(`db:seed failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 3;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`db:seed failed: ${String(error)}\n`);
    process.exit(3);
  },
);
