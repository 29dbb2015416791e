import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM, type Options, Utils } from '@mikro-orm/core';
import type { AbstractSqlDriver, EntityManager as SqlEntityManager } from '@mikro-orm/knex';
import { Migration, type Migrator } from '@mikro-orm/migrations';
import { type Env, describeBackend, resolveBackend } from '../config/backend';
import { type ContractDeskOrm, type Dialect, createConfig, migrationPaths } from '../config/orm-config';
import { migrationNamesIn } from '../config/paths';
import { CONTRACTDESK_MIGRATIONS_TABLE } from '../entities';
import { OperationError } from '../errors/domain-error';

export const MIGRATIONS_TABLE = CONTRACTDESK_MIGRATIONS_TABLE;
export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgresql'];

/** Marks a generated PostgreSQL down() that the author still has to write (a test refuses it). */
export const DOWN_TODO_MARKER = 'MIGRATION.DOWN_NOT_WRITTEN';

export class MigrationError extends OperationError {
  static irreversible(name: string, dialect: Dialect): MigrationError {
    const how =
      dialect === 'sqlite'
        ? 'SQLite migrations have no down(): restore the VACUUM INTO snapshot taken before migrating (docs/operations.md)'
        : 'restore from a backup (docs/operations.md, "Rollback plan")';
    return new MigrationError('MIGRATION.IRREVERSIBLE', `${name} has no down(); nothing was changed. ${how}`);
  }
}

/** A migration folder (and its snapshot) other than the committed one; tests point the workflow at copies. */
export interface MigrationFolder {
  /** Folder holding the migration sources and `.snapshot-<dialect>.json`. */
  dir: string;
}

function snapshotFile(dialect: Dialect, folder?: MigrationFolder): string {
  const paths = migrationPaths(dialect);
  return join(folder?.dir ?? paths.pathTs, `${paths.snapshotName}.json`);
}

function migrationOptions(env: Env, folder: MigrationFolder | undefined, extra: Record<string, unknown>): Options['migrations'] {
  const base = createConfig(env).migrations!;
  const dirs = folder ? { path: folder.dir, pathTs: folder.dir } : {};
  return { ...base, ...dirs, silent: true, ...extra };
}

async function openOrm(env: Env, overrides: Partial<Options>): Promise<ContractDeskOrm> {
  return MikroORM.init<AbstractSqlDriver>({ ...createConfig(env), ...overrides } as Options<AbstractSqlDriver>);
}

/** An environment for generating `dialect`'s migration: only the platform matters, nothing is connected. */
function offlineEnv(dialect: Dialect): Env {
  return dialect === 'sqlite' ? { DB_PATH: ':memory:' } : { DATABASE_URL: 'postgresql://offline.invalid/contractdesk' };
}

export interface CreatedMigration {
  dialect: Dialect;
  /** Empty when the entities already match that dialect's snapshot. */
  fileName: string;
  path?: string;
  /** PostgreSQL only: false when MikroORM produced no down() and a throwing placeholder was written instead. */
  downWritten: boolean;
}

/**
 * `npm run migration:create -- --name <Name>`: one migration per dialect from the difference between the
 * entities and each dialect's committed snapshot (no database needed, so nobody has to migrate a scratch
 * database first), and the snapshot moves forward with it. A PostgreSQL migration always gets a down():
 * MikroORM's when it can derive one, else a placeholder that throws and that test/migrations refuses.
 */
export async function createMigrations(options: {
  name?: string;
  dialects?: readonly Dialect[];
  folders?: Partial<Record<Dialect, MigrationFolder>>;
}): Promise<CreatedMigration[]> {
  if (options.name !== undefined && !/^[A-Za-z][A-Za-z0-9_]{0,80}$/.test(options.name)) {
    throw new MigrationError('MIGRATION.USAGE', '--name must be letters, digits and _ (it becomes part of a class name)', 'validation');
  }
  const created: CreatedMigration[] = [];
  for (const dialect of options.dialects ?? DIALECTS) {
    const folder = options.folders?.[dialect];
    if (!existsSync(snapshotFile(dialect, folder))) {
      // Without a snapshot MikroORM would diff against whatever database is configured: refuse instead.
      throw new MigrationError('MIGRATION.NO_SNAPSHOT', `No committed snapshot ${snapshotFile(dialect, folder)}: cannot tell what changed`, 'config');
    }
    const env = offlineEnv(dialect);
    // Before the real run moves the snapshot forward: what the reverse would be without safe mode.
    const suggestion = dialect === 'postgresql' ? await unsafeDown(env, dialect, folder, options.name) : [];
    const orm = await openOrm(env, { connect: false, migrations: migrationOptions(env, folder, { snapshot: true }) });
    try {
      const result = await orm.migrator.createMigration(undefined, false, false, options.name);
      if (!result.fileName) {
        created.push({ dialect, fileName: '', downWritten: true });
        continue;
      }
      const path = join(folder?.dir ?? migrationPaths(dialect).pathTs, result.fileName);
      const downWritten = dialect !== 'postgresql' || result.diff.down.length > 0;
      if (!downWritten) writeFileSync(path, withDownPlaceholder(readFileSync(path, 'utf8'), suggestion));
      created.push({ dialect, fileName: result.fileName, path, downWritten });
    } finally {
      await orm.close(true);
    }
  }
  return created;
}

/**
 * With `safe: true` MikroORM leaves destructive statements out of both directions, so the reverse of an
 * added column or table (a drop) never appears. Generating once more without safe mode, on a throwaway copy
 * of the snapshot, shows the author what that reverse would be.
 */
async function unsafeDown(env: Env, dialect: Dialect, folder: MigrationFolder | undefined, name: string | undefined): Promise<string[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'contractdesk-migration-'));
  try {
    copyFileSync(snapshotFile(dialect, folder), snapshotFile(dialect, { dir: scratch }));
    const orm = await openOrm(env, { connect: false, migrations: migrationOptions(env, { dir: scratch }, { snapshot: true, safe: false }) });
    try {
      return (await orm.migrator.createMigration(undefined, false, false, name)).diff.down.filter((sql) => sql !== '');
    } finally {
      await orm.close(true);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function withDownPlaceholder(source: string, suggestion: string[]): string {
  const lines = [
    '  override async down(): Promise<void> {',
    `    // ${DOWN_TODO_MARKER}: MikroORM's safe mode wrote no reverse of up(). Write down() so that it undoes up()`,
    '    // and keeps every row up() kept, then delete this comment and the throw; test/migrations fails until then.',
  ];
  if (suggestion.length) {
    lines.push('    // Without safe mode MikroORM would reverse it with (review what it drops):');
    for (const sql of suggestion) lines.push(`    //   this.addSql(\`${sql.replace(/[`$\\]/g, '\\$&')}\`);`);
  }
  lines.push(`    throw new Error('${DOWN_TODO_MARKER}');`, '  }', '');
  const down = lines.join('\n');
  const end = source.lastIndexOf('}');
  return `${source.slice(0, end)}${down}${source.slice(end)}`;
}

export interface MigrationStatus {
  target: string;
  dialect: Dialect;
  /** SQLite: whether the file exists (the status never creates it). */
  exists: boolean;
  /** False when the database has no migration table: it was never migrated. */
  initialised: boolean;
  executed: string[];
  pending: string[];
  /** Applied in the database but unknown to this code (the database is newer than the build). */
  unknown: string[];
  /** Whether the entities differ from the committed snapshot: an entity change without a migration. */
  entitiesMatchSnapshot: boolean | 'no snapshot';
  /** Whether the live schema differs from the entities; only meaningful with nothing pending. */
  databaseMatchesEntities: boolean | 'not checked';
  problems: string[];
  ok: boolean;
}

/**
 * `npm run db:status`: what the configured database has applied and lacks, and whether entities, committed
 * snapshot and live schema agree. It only reads: no migration table is created and nothing is migrated.
 */
export async function migrationStatus(env: Env, options: { folder?: MigrationFolder } = {}): Promise<MigrationStatus> {
  const backend = resolveBackend(env);
  const dialect = backend.kind;
  const problems: string[] = [];
  const known = knownMigrations(dialect, options.folder);
  let status: Omit<MigrationStatus, 'entitiesMatchSnapshot' | 'problems' | 'ok'>;
  if (backend.kind === 'sqlite' && backend.path !== ':memory:' && !existsSync(backend.path)) {
    // Opening it would create an empty file: a status check must not leave one behind.
    problems.push('the database file does not exist (never migrated)');
    status = { target: describeBackend(backend), dialect, exists: false, initialised: false, executed: [], pending: known, unknown: [], databaseMatchesEntities: 'not checked' };
    if (known.length) problems.push(`${known.length} migration(s) pending`);
    return finish(status, problems, options.folder);
  }
  // safe/dropTables off: a column or table the entities do not have is drift too, not just a missing one.
  const orm = await openOrm(env, { migrations: migrationOptions(env, options.folder, { snapshot: false, safe: false, dropTables: true }) });
  try {
    const initialised = await (orm.em as SqlEntityManager).getKnex().schema.hasTable(MIGRATIONS_TABLE);
    const executed = initialised ? (await orm.migrator.getExecutedMigrations()).map((m) => m.name.replace(/\.[jt]s$/, '')) : [];
    const pending = known.filter((name) => !executed.includes(name));
    const unknown = executed.filter((name) => !known.includes(name));
    if (!initialised) problems.push('the database has never been migrated (no migration table)');
    if (pending.length) problems.push(`${pending.length} migration(s) pending`);
    if (unknown.length) problems.push(`${unknown.length} applied migration(s) unknown to this build (the database is newer than the code)`);
    let databaseMatchesEntities: boolean | 'not checked' = 'not checked';
    if (initialised && pending.length === 0 && unknown.length === 0) {
      databaseMatchesEntities = !(await orm.migrator.checkMigrationNeeded());
      if (!databaseMatchesEntities) problems.push('the database schema differs from the entities although every migration is applied');
    }
    status = { target: describeBackend(backend), dialect, exists: true, initialised, executed, pending, unknown, databaseMatchesEntities };
  } finally {
    await orm.close(true);
  }
  return finish(status, problems, options.folder);
}

async function finish(
  status: Omit<MigrationStatus, 'entitiesMatchSnapshot' | 'problems' | 'ok'>,
  problems: string[],
  folder: MigrationFolder | undefined,
): Promise<MigrationStatus> {
  const dialect = status.dialect;
  const entitiesMatchSnapshot = await entitiesMatchCommittedSnapshot(dialect, folder);
  if (entitiesMatchSnapshot === 'no snapshot') problems.push(`no committed snapshot for ${dialect}`);
  else if (!entitiesMatchSnapshot) problems.push('the entities differ from the committed snapshot: run npm run migration:create');
  return { ...status, entitiesMatchSnapshot, problems, ok: problems.length === 0 };
}

async function entitiesMatchCommittedSnapshot(dialect: Dialect, folder?: MigrationFolder): Promise<boolean | 'no snapshot'> {
  if (!existsSync(snapshotFile(dialect, folder))) return 'no snapshot';
  const env = offlineEnv(dialect);
  const orm = await openOrm(env, { connect: false, migrations: migrationOptions(env, folder, { snapshot: true, safe: false, dropTables: true }) });
  try {
    return !(await orm.migrator.checkMigrationNeeded());
  } finally {
    await orm.close(true);
  }
}

/** Migration names in the folder the Migrator itself reads (sources under ts-node, dist/ otherwise). */
export function knownMigrations(dialect: Dialect, folder?: MigrationFolder): string[] {
  return migrationNamesIn(migrationDir(dialect, folder));
}

function migrationDir(dialect: Dialect, folder?: MigrationFolder): string {
  if (folder) return folder.dir;
  const paths = migrationPaths(dialect);
  return Utils.detectTsNode() && existsSync(paths.pathTs) ? paths.pathTs : paths.path;
}

/**
 * `npm run migration:down [-- --to <name>]`: reverts the last migration (or down to `to`). The snapshot is
 * the entities' schema, not the database's, so it is never rewritten here (the Migrator would store the
 * reverted database schema in it, and the next migration:create would then generate a bogus migration).
 * A migration without down() is refused before anything runs.
 */
export async function migrateDown(env: Env, options: { to?: string; folder?: MigrationFolder } = {}): Promise<string[]> {
  const dialect = resolveBackend(env).kind;
  const orm = await openOrm(env, { migrations: migrationOptions(env, options.folder, { snapshot: false, silent: false }) });
  try {
    return await revertMigrations(orm.migrator as Migrator, dialect, options);
  } finally {
    await orm.close(true);
  }
}

/**
 * The one implementation of "down" behind both `migration:down` and `db:migrate -- down`: the last applied
 * migration, or every one back to and including `to`, each checked for a down() before anything runs, so a
 * refusal leaves the database exactly as it was.
 */
export async function revertMigrations(
  migrator: Migrator,
  dialect: Dialect,
  options: { to?: string; folder?: MigrationFolder } = {},
): Promise<string[]> {
  const executed = (await migrator.getExecutedMigrations()).map((m) => m.name.replace(/\.[jt]s$/, ''));
  if (executed.length === 0) throw new MigrationError('MIGRATION.NOTHING_TO_REVERT', 'No migration has been applied to this database', 'validation');
  let toRevert = [executed[executed.length - 1]];
  if (options.to !== undefined) {
    const at = executed.indexOf(options.to.replace(/\.[jt]s$/, ''));
    if (at < 0) throw new MigrationError('MIGRATION.UNKNOWN', `${options.to} is not an applied migration`, 'validation');
    toRevert = executed.slice(at).reverse();
  }
  for (const name of toRevert) {
    if (!hasDown(dialect, name, options.folder)) throw MigrationError.irreversible(name, dialect);
  }
  const reverted = await migrator.down(options.to === undefined ? undefined : { to: options.to }).catch((error: unknown) => {
    if (error instanceof Error && /cannot be reverted/.test(error.message)) throw MigrationError.irreversible(toRevert[0], dialect);
    throw error;
  });
  return reverted.map((m) => m.name);
}

/** Whether the migration class overrides Migration#down (the base class throws "cannot be reverted"). */
function hasDown(dialect: Dialect, name: string, folder?: MigrationFolder): boolean {
  const dir = migrationDir(dialect, folder);
  const file = ['.ts', '.js'].map((ext) => join(dir, name + ext)).find((f) => existsSync(f));
  // A migration this build does not know: let the Migrator report it in its own words.
  if (!file) return true;
  const exported = Object.values(require(file) as Record<string, unknown>);
  const cls = exported.find((v): v is typeof Migration => typeof v === 'function' && v.prototype instanceof Migration);
  return !!cls && cls.prototype.down !== Migration.prototype.down;
}
