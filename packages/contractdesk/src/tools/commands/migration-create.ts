import 'reflect-metadata';
import { parseArgs } from 'node:util';
import type { Dialect } from '../../config/orm-config';
import { DIALECTS, MigrationError, createMigrations } from '../migration-workflow';
import { EXIT, runCommand } from './run';

/**
 * npm run migration:create -- --name <Name> [--dialect sqlite|postgresql]
 * Writes migrations/sqlite/Migration<ts>_<Name>.ts and migrations/postgresql/… from the entity change since
 * each committed snapshot, and moves both snapshots forward. Exit 1 when a PostgreSQL down() still has to be
 * written by hand (the file holds a placeholder that throws and a suggestion).
 */
runCommand('migration:create', {}, async () => {
  let values: { name?: string; dialect?: string };
  try {
    ({ values } = parseArgs({ options: { name: { type: 'string' }, dialect: { type: 'string' } }, strict: true }));
  } catch (error) {
    throw new MigrationError('MIGRATION.USAGE', `${(error as Error).message}; usage: npm run migration:create -- --name <Name> [--dialect sqlite|postgresql]`, 'validation');
  }
  if (!values.name) throw new MigrationError('MIGRATION.USAGE', 'usage: npm run migration:create -- --name <Name> [--dialect sqlite|postgresql]', 'validation');
  if (values.dialect !== undefined && !DIALECTS.includes(values.dialect as Dialect)) {
    throw new MigrationError('MIGRATION.USAGE', '--dialect must be sqlite or postgresql (default: both)', 'validation');
  }
  const dialects = values.dialect ? [values.dialect as Dialect] : DIALECTS;
  const created = await createMigrations({ name: values.name, dialects });
  let code: number = EXIT.ok;
  for (const m of created) {
    if (!m.fileName) {
      process.stdout.write(`${m.dialect}: no changes (the entities match migrations/${m.dialect}/.snapshot-${m.dialect}.json)\n`);
      continue;
    }
    process.stdout.write(`${m.dialect}: created migrations/${m.dialect}/${m.fileName}\n`);
    if (!m.downWritten) {
      process.stdout.write(`${m.dialect}: ACTION NEEDED — write down() in migrations/${m.dialect}/${m.fileName} (it throws MIGRATION.DOWN_NOT_WRITTEN until you do)\n`);
      code = EXIT.notOk;
    }
  }
  if (created.length === 2 && created.filter((m) => m.fileName).length === 1) {
    process.stdout.write('warning: only one dialect changed; the snapshots disagreed before this run — review both folders\n');
  }
  process.stdout.write('Review every generated file (SQLite table rebuilds are refused by test/migrations), then run npm test.\n');
  return code;
});
