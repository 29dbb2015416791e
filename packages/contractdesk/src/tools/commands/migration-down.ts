import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { MigrationError, migrateDown } from '../migration-workflow';
import { EXIT, runCommand } from './run';

/**
 * npm run migration:down [-- --to <MigrationName>] — reverts the last applied migration (or every one down to
 * and including <MigrationName>) on the configured database. Never rewrites the committed snapshot; a migration
 * without down() (every SQLite one) is refused with MIGRATION.IRREVERSIBLE before anything runs.
 */
runCommand('migration:down', process.env, async () => {
  let values: { to?: string };
  try {
    ({ values } = parseArgs({ options: { to: { type: 'string' } }, strict: true }));
  } catch (error) {
    throw new MigrationError('MIGRATION.USAGE', `${(error as Error).message}; usage: npm run migration:down [-- --to <MigrationName>]`, 'validation');
  }
  const reverted = await migrateDown(process.env, { to: values.to });
  process.stdout.write(`reverted: ${reverted.join(', ')}\n`);
  return EXIT.ok;
});
