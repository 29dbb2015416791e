import { join } from 'node:path';
import { Configuration, type MigrationObject, type MigrationsOptions, type MikroORM } from '@mikro-orm/core';
import type { MigrationRow, UmzugMigration } from '@mikro-orm/migrations';
import { CONTRACTDESK_MIGRATION_RULES } from '../config/orm-config';
import { type Dialect, migrationNamesIn, migrationPaths } from '../config/paths';
import { ContractDeskMigrator } from '../db/migrator';
import { ConfigError } from '../errors/domain-error';
import { assertContractDeskReady } from './readiness';
import { dialectOf } from '../db/dialect';

/**
 * ContractDesk's migrations as MikroORM migration options of their own, for any ORM: the classes listed (no glob, so
 * nothing depends on the host's `migrations.path`, `preferTs` or working directory), recorded in
 * `contractdesk_migrations`, all pending ones in one transaction, foreign keys never switched off.
 *
 * Which files: the ones beside the running code. Installed from the package that is dist/migrations/<dialect>/*.js,
 * compiled JavaScript only, so a host's ts-node, jest or vitest never loads a `.ts` file from node_modules; only
 * ContractDesk's own sources (this repository, under ts-node) list the `.ts` migrations.
 */
export function contractDeskMigrationsOptions(dialect: Dialect): MigrationsOptions {
  const fromSource = __filename.endsWith('.ts');
  const paths = migrationPaths(dialect);
  const dir = fromSource ? paths.pathTs : paths.path;
  const [ext, pattern] = fromSource ? ['.ts', /\.ts$/] : ['.js', /\.js$/];
  const names = migrationNamesIn(dir, pattern);
  // A package built or installed without its migrations would otherwise migrate nothing, silently.
  if (names.length === 0) throw new ConfigError('CONFIG.MIGRATIONS_MISSING', `ContractDesk's ${dialect} migrations are missing from ${dir}: reinstall (or build) the package`);
  const migrationsList = names.map((name) => {
    const exported = require(join(dir, name + ext)) as Record<string, MigrationObject['class']>;
    return { name, class: exported[name] ?? Object.values(exported)[0] };
  });
  return {
    ...Configuration.DEFAULTS.migrations,
    path: dir,
    pathTs: undefined,
    ...CONTRACTDESK_MIGRATION_RULES,
    migrationsList,
    silent: true,
  };
}

/** ContractDesk's migrator on any ORM that has ContractDesk's entities (its own ORM included). */
export function contractDeskMigrator(orm: MikroORM): ContractDeskMigrator {
  assertContractDeskReady(orm);
  return new ContractDeskMigrator(orm.em.fork() as never, contractDeskMigrationsOptions(dialectOf(orm.em)));
}

export interface MigrateContractDeskOptions {
  /** Stop after this migration (its name, as in contractDeskMigrationStatus). Default: all pending. */
  to?: string;
}

/**
 * Applies ContractDesk's pending migrations through a host's ORM, tracked in `contractdesk_migrations` and
 * serialised across instances (PostgreSQL: an advisory lock held by the one transaction of the run; SQLite: a lock
 * file beside the database). The host's own migrations and its migrations table are neither read nor written.
 * Returns the names applied, in order.
 */
export async function migrateContractDesk(orm: MikroORM, options: MigrateContractDeskOptions = {}): Promise<string[]> {
  const applied: UmzugMigration[] = await contractDeskMigrator(orm).up(options.to ? { to: options.to } : undefined);
  return applied.map((m) => m.name);
}

export interface ContractDeskMigrationStatus {
  /** Applied, oldest first. */
  executed: string[];
  /** Not applied yet, in the order they will run. */
  pending: string[];
  /** Nothing pending: what a health check wants. */
  upToDate: boolean;
}

/** ContractDesk's migrations on this database, for a host's health check; the host's own are not looked at. */
export async function contractDeskMigrationStatus(orm: MikroORM): Promise<ContractDeskMigrationStatus> {
  const migrator = contractDeskMigrator(orm);
  const executed = ((await migrator.getExecutedMigrations()) as MigrationRow[]).map((m) => m.name.replace(/\.[jt]s$/, ''));
  const pending = (await migrator.getPendingMigrations()).map((m) => m.name);
  return { executed, pending, upToDate: pending.length === 0 };
}
