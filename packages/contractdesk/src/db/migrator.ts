import { randomUUID } from 'node:crypto';
import { linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { type EntityManager, type MigrateOptions, type MigrationsOptions, type MikroORM, type Transaction, type UmzugMigration, Utils } from '@mikro-orm/core';
import type { Knex } from '@mikro-orm/knex';
import { Migrator } from '@mikro-orm/migrations';
import { UnavailableError } from '../errors/domain-error';
import { migrationNamesIn } from '../config/paths';
import { assertDatabaseExists } from './database-exists';
import { isSqlite } from './dialect';
import { adoptLegacyMigrationsTable } from './legacy-migrations-table';
import { withMigrationsOptions } from './internals';
import { CONTRACTDESK_MIGRATIONS_TABLE } from '../entities';

/**
 * Key of the PostgreSQL advisory lock that serialises migration runs (advisory keys are per database).
 * Any constant works as long as nothing else in the database uses it; this one spells "CDmigrat".
 */
export const MIGRATION_LOCK_KEY = '4846113431335363956';

/** How long an instance waits for another one's migration run before giving up (SQLite lock file). */
export const MIGRATION_LOCK_WAIT_MS = 10 * 60_000;

type UpDownOptions = string | string[] | MigrateOptions | undefined;

/**
 * MikroORM's Migrator with two guarantees the stock one lacks:
 * - No silent creation: before listing, applying or reverting, the database must exist
 *   (CONFIG.DATABASE_NOT_FOUND otherwise); MikroORM would create it.
 * - One run at a time: N instances starting together with MIGRATE_ON_START=true apply each migration once;
 *   the others wait, then find nothing pending.
 *   PostgreSQL: the whole run is one transaction that first takes pg_advisory_xact_lock, so the lock dies with
 *   the transaction (commit, rollback or a lost connection) and is safe behind a transaction pooler, where a
 *   session lock would stay on a server connection someone else gets next. The migrations, the bookkeeping
 *   table and its creation all run inside that transaction (all-or-nothing, as configured anyway).
 *   SQLite: an exclusive lock file next to the database (created with link(); a lock whose process is gone is
 *   taken over by exactly one waiter, see withLockFile).
 *   The write lock itself cannot be held around the run: the process has one connection, which the migrator needs.
 */
export class ContractDeskMigrator extends Migrator {
  private readonly ownEm: EntityManager;
  private readonly migrationsOptions: MigrationsOptions;

  /**
   * `options`: migration settings of ContractDesk's own, for a host's ORM whose `migrations` option describes the
   * host's migrations (see migrateContractDesk). Without it, the ORM's configured ones (ContractDesk's own ORM).
   */
  constructor(em: EntityManager, options?: MigrationsOptions) {
    super((options ? withMigrationsOptions(em, options) : em) as never);
    this.ownEm = em;
    this.migrationsOptions = options ?? em.config.get('migrations');
  }

  static override register(orm: MikroORM): void {
    orm.config.registerExtension('@mikro-orm/migrator', () => new ContractDeskMigrator(orm.em));
  }

  override async up(options?: UpDownOptions): Promise<UmzugMigration[]> {
    return this.serialised(options, (o) => super.up(o));
  }

  override async down(options?: UpDownOptions): Promise<UmzugMigration[]> {
    return this.serialised(options, (o) => super.down(o));
  }

  override async getPendingMigrations(): Promise<UmzugMigration[]> {
    await assertDatabaseExists(this.ownEm);
    return super.getPendingMigrations();
  }

  override async getExecutedMigrations() {
    await assertDatabaseExists(this.ownEm);
    return super.getExecutedMigrations();
  }

  override async checkMigrationNeeded(): Promise<boolean> {
    await assertDatabaseExists(this.ownEm);
    return super.checkMigrationNeeded();
  }

  override async createMigration(...args: Parameters<Migrator['createMigration']>) {
    await assertDatabaseExists(this.ownEm);
    return super.createMigration(...args);
  }

  private async serialised(options: UpDownOptions, run: (options: UpDownOptions) => Promise<UmzugMigration[]>): Promise<UmzugMigration[]> {
    await assertDatabaseExists(this.ownEm);
    // A caller that passes its own transaction owns the locking too.
    if (options && typeof options === 'object' && !Array.isArray(options) && options.transaction) return run(options);
    if (isSqlite(this.ownEm)) {
      const path = String(this.ownEm.config.get('dbName'));
      const migrate = async () => {
        await this.ownEm.fork().transactional((em) => this.adoptLegacyTable(em.getTransactionContext<Knex.Transaction>()!));
        return run(options);
      };
      if (path === ':memory:') return migrate();
      return withLockFile(`${path}.migrate-lock`, migrate);
    }
    return this.ownEm.fork().transactional(async (em) => {
      const trx = em.getTransactionContext<Knex.Transaction>()!;
      await em.getConnection().execute(`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`, [], 'all', trx);
      // The bookkeeping table is created (if missing) and read inside the locked transaction too.
      await this.adoptLegacyTable(trx);
      const storage = this.getStorage();
      storage.setMasterMigration(trx);
      try {
        return await run(withTransaction(options, trx));
      } finally {
        storage.unsetMasterMigration();
      }
    });
  }

  /** Every migration this migrator can apply, by name, read without the database (as MikroORM's Migrator finds them). */
  knownMigrationNames(): string[] {
    if (this.migrationsOptions.migrationsList) return this.migrationsOptions.migrationsList.map((m) => m.name);
    const { path, pathTs } = this.migrationsOptions;
    const dir = this.ownEm.config.get('preferTs', Utils.detectTsNode()) && pathTs ? pathTs : path;
    return dir ? migrationNamesIn(dir, /\.(?:js|ts|cjs)$/) : [];
  }

  /** Moves ContractDesk's rows out of the migrations table it shared before it had its own (see the module). */
  private async adoptLegacyTable(trx: Transaction): Promise<void> {
    if (this.migrationsOptions.tableName !== CONTRACTDESK_MIGRATIONS_TABLE) return;
    const storage = this.getStorage();
    storage.setMasterMigration(trx);
    try {
      await adoptLegacyMigrationsTable(this.ownEm, trx, storage, this.knownMigrationNames());
    } finally {
      storage.unsetMasterMigration();
    }
  }
}

function withTransaction(options: UpDownOptions, transaction: Knex.Transaction): MigrateOptions {
  if (options === undefined) return { transaction };
  if (typeof options === 'string' || Array.isArray(options)) return { migrations: ([] as string[]).concat(options), transaction };
  return { ...options, transaction };
}

/**
 * The SQLite migration lock: a file holding `<pid>:<random token>`, created whole with link() (atomic, fails if
 * the file exists, and never visible half-written). A lock whose process is gone is taken over in a way only one
 * waiter can win (see takeOverStale); unlinking it directly, as before, let two waiters that both saw the dead
 * holder each remove the other's fresh lock, and both migrate.
 */
async function withLockFile<T>(lockPath: string, work: () => Promise<T>): Promise<T> {
  const token = `${process.pid}:${randomUUID()}`;
  const deadline = Date.now() + MIGRATION_LOCK_WAIT_MS;
  while (!tryCreateLock(lockPath, token)) {
    const held = readLock(lockPath);
    if (held !== undefined && holderIsGone(held)) {
      takeOverStale(lockPath, held);
      continue;
    }
    if (Date.now() > deadline) {
      throw new UnavailableError('DB.MIGRATION_LOCKED', 'Another instance has been migrating this database for too long; retry later');
    }
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 50));
  }
  try {
    return await work();
  } finally {
    // Only our own lock: nobody takes over a live holder's, but a file someone else left is not ours to remove.
    if (readLock(lockPath) === token) rmQuietly(lockPath);
  }
}

/** Writes the token to a private file and links it into place: exactly one concurrent caller succeeds. */
function tryCreateLock(lockPath: string, token: string): boolean {
  const staging = `${lockPath}.${randomUUID()}.tmp`;
  writeFileSync(staging, token, { flag: 'wx', mode: 0o600 });
  try {
    linkSync(staging, lockPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmQuietly(staging);
  }
}

/** How old a takeover claim may get before it is judged abandoned (its waiter died between two syscalls). */
const TAKEOVER_CLAIM_STALE_MS = 30_000;

/**
 * Removes the lock file if it still holds `stale`. Waiters that saw the same dead holder all try to hard-link
 * the current lock file to a claim named after that token: link() fails when the claim exists, so one waiter
 * wins. The winner checks that the inode it linked really is the stale lock (a slow waiter may be looking at a
 * fresh lock that replaced it; then it only drops its claim). While the lock holds the dead token nothing else
 * can replace it (creating fails, and taking over needs this claim), so the check stays true until the unlink.
 */
function takeOverStale(lockPath: string, stale: string): void {
  const claim = `${lockPath}.takeover-${stale.replace(/[^0-9A-Za-z-]/g, '_')}`;
  try {
    linkSync(lockPath, claim);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return; // the lock is gone already: try to create it again
    if (code !== 'EEXIST') throw error;
    // Another waiter is taking over; a claim left by a waiter that died mid-takeover is cleared after a while.
    if (Date.now() - ctimeOf(claim) > TAKEOVER_CLAIM_STALE_MS) rmQuietly(claim);
    return;
  }
  try {
    if (readLock(claim) === stale) rmQuietly(lockPath);
  } finally {
    rmQuietly(claim);
  }
}

function readLock(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function ctimeOf(path: string): number {
  try {
    return statSync(path).ctimeMs;
  } catch {
    return Date.now();
  }
}

function rmQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already removed
  }
}

/** `<pid>:<token>` (or a bare pid, as earlier versions wrote it): whether that process is gone. */
function holderIsGone(content: string): boolean {
  const pid = Number(content.split(':')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
