import 'reflect-metadata';
import { DomainError } from '../src/errors/domain-error';
import { createDatabase } from '../src/tools/db-create';

/** npm run db:create — creates the PostgreSQL database DATABASE_URL names, if missing (then run migrations). */
createDatabase(process.env).then(
  ({ database, created }) => {
    process.stdout.write(created ? `created database "${database}"\n` : `database "${database}" already exists\n`);
    process.exit(0);
  },
  (error: unknown) => {
    const text = error instanceof DomainError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
    process.stderr.write(`db:create failed: ${text}\n`);
    process.exit(error instanceof DomainError && error.kind === 'config' ? 2 : 3);
  },
);
