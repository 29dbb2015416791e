import { MikroORM, type Options } from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/knex';
import type { Migrator } from '@mikro-orm/migrations';
import { type Env, describeBackend, resolveBackend } from '../config/backend';
import { type Dialect, createConfig } from '../config/orm-config';
import { DomainError } from '../errors/domain-error';
import { translateError } from '../errors/translate';
import { MigrationError, knownMigrations, revertMigrations } from './migration-workflow';

/**
 * The operator's migration commands, on the Migrator API rather than the mikro-orm CLI: the CLI is a
 * development tool (with ts-node, yargs and the generator behind it) and needs a config file it can find;
 * a production install has only `dist/`. This runs the same migrations the app runs at start, from the
 * compiled `dist/migrations/<dialect>` (or from `migrations/` under ts-node), with the app's config.
 *
 * Exit codes: 0 done (status: nothing pending); 1 status found pending migrations; 2 refused (usage,
 * a migration without down(), the database knows migrations this build does not); 3 database error.
 */
export const MIGRATE_USAGE = 'usage: npm run db:migrate -- <up | down [--to <MigrationName>] | pending | status>';

export type MigrateCommand = 'up' | 'down' | 'pending' | 'status';
const COMMANDS: readonly MigrateCommand[] = ['up', 'down', 'pending', 'status'];

export interface MigrateOutput {
  out(line: string): void;
  err(line: string): void;
}

export async function runMigrateCommand(args: readonly string[], env: Env, io: MigrateOutput): Promise<number> {
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    io.out(MIGRATE_USAGE);
    return 0;
  }
  const command = args[0] as MigrateCommand;
  const downTo = command === 'down' && args.length === 3 && args[1] === '--to' && args[2] !== '' ? args[2] : undefined;
  if (!COMMANDS.includes(command) || (args.length !== 1 && downTo === undefined)) {
    io.err(MIGRATE_USAGE);
    return 2;
  }

  let orm: MikroORM<AbstractSqlDriver> | undefined;
  try {
    const backend = resolveBackend(env);
    io.err(`[contractdesk] ${describeBackend(backend)}`);
    // No snapshot writes: the snapshot describes the committed migrations for migration:create, and an
    // operator's up/down must not rewrite it (nor fail on a read-only install).
    const base = createConfig(env);
    orm = await MikroORM.init<AbstractSqlDriver>({
      ...base,
      migrations: { ...base.migrations, snapshot: false },
    } as Options<AbstractSqlDriver>);
    return await run(command, orm.getMigrator() as Migrator, backend.kind, io, downTo);
  } catch (error) {
    const domain = error instanceof DomainError ? error : translateError(error);
    io.err(`db:migrate ${command} failed [${domain.code}]: ${domain.message}`);
    return domain.code.startsWith('CONFIG.') ? 2 : 3;
  } finally {
    await orm?.close(true);
  }
}

async function run(command: MigrateCommand, migrator: Migrator, dialect: Dialect, io: MigrateOutput, downTo?: string): Promise<number> {
  const executed = (await migrator.getExecutedMigrations()).map((m) => m.name.replace(/\.[jt]s$/, ''));
  const pending = (await migrator.getPendingMigrations()).map((m) => m.name);
  // Recorded in the database but without a file here: a newer release migrated it. Moving on from there
  // (up) or reverting something else (down) would be guesswork.
  const known = new Set(knownMigrations(dialect));
  const unknown = executed.filter((name) => !known.has(name));

  if (command === 'pending') {
    for (const name of pending) io.out(name);
    return 0;
  }
  if (command === 'status') {
    io.out(`applied: ${executed.length}${executed.length ? ` (last: ${executed[executed.length - 1]})` : ''}`);
    io.out(`pending: ${pending.length}`);
    for (const name of pending) io.out(`  ${name}`);
    if (unknown.length) {
      io.out(`unknown to this build: ${unknown.length}`);
      for (const name of unknown) io.out(`  ${name}`);
      return 2;
    }
    return pending.length ? 1 : 0;
  }
  if (unknown.length) {
    io.err(
      `db:migrate ${command} refused [MIGRATION.UNKNOWN_APPLIED]: the database has ${unknown.length} migration(s) this build ` +
        `does not know (${unknown.join(', ')}); use the release that wrote them`,
    );
    return 2;
  }
  if (command === 'up') {
    const applied = await migrator.up();
    io.out(applied.length ? `applied ${applied.length}: ${applied.map((m) => m.name).join(', ')}` : 'up to date: nothing to apply');
    return 0;
  }
  if (executed.length === 0) {
    io.out('nothing to revert: no migration is applied');
    return 0;
  }
  try {
    const reverted = await revertMigrations(migrator, dialect, { to: downTo });
    io.out(`reverted: ${reverted.join(', ')}`);
    return 0;
  } catch (error) {
    if (!(error instanceof MigrationError)) throw error;
    io.err(`db:migrate down refused [${error.code}]: ${error.message}`);
    return 2;
  }
}
