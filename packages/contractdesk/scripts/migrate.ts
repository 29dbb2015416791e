import 'reflect-metadata';
import { runMigrateCommand } from '../src/tools/migrate';

/**
 * npm run db:migrate -- <up | down | pending | status>   (compiled: node dist/scripts/migrate.js <command>)
 * The operator's migration command on a production install, where the mikro-orm CLI (a dev tool) and
 * ts-node are absent. It reads DATABASE_URL / DB_PATH like the app; exit codes are in src/tools/migrate.ts.
 */
runMigrateCommand(process.argv.slice(2), process.env, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`db:migrate failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(3);
  },
);
