import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { assertTestedVersions } from '../db/internals';
import { assertDefaultSchema } from '../db/schema-option';
import { contractDeskEntities } from '../entities';
import { ConfigError } from '../errors/domain-error';
import { dialectOf } from '../db/dialect';

/** What ContractDesk's SQLite driver declares, read without importing it (a PostgreSQL host may lack better-sqlite3). */
export interface BeginsImmediate {
  readonly beginsWriteTransactionsImmediately: true;
}

const checked = new WeakSet<object>();

/**
 * Refuses, with a typed error that names the fix, an ORM on which ContractDesk's guarantees would silently weaken.
 * Only what a guarantee truly needs is checked; every other setting is the host's (metadata provider, entity
 * discovery, `useBatchUpdates`, `forceUtcTimezone`, `allowGlobalContext`, the stock PostgreSQL driver):
 * - the MikroORM version the project was tested with (a few fenced internals depend on it);
 * - ContractDesk's entities registered in this ORM;
 * - no `schema` other than the default (its statements name none);
 * - PostgreSQL or SQLite, and on SQLite ContractDesk's driver: its write transactions begin IMMEDIATE, without
 *   which a read-then-write transaction gets SQLITE_BUSY from a second writer instead of waiting.
 */
export function assertContractDeskReady(orm: Pick<MikroORM, 'em' | 'getMetadata'> | EntityManager): void {
  const em = 'em' in orm ? orm.em : orm;
  const driver = em.getDriver();
  if (checked.has(driver)) return;
  assertTestedVersions();
  const metadata = em.getMetadata();
  const missing = contractDeskEntities.map((entity) => entity.name).filter((name) => !metadata.find(name));
  if (missing.length > 0) {
    throw new ConfigError(
      'CONFIG.ENTITIES_NOT_REGISTERED',
      `ContractDesk's entities are not in this ORM (${missing.join(', ')}): add \`...contractDeskEntities\` to its \`entities\`, or import ContractDeskModule.forFeature() with \`autoLoadEntities: true\``,
    );
  }
  // Its lean reads and raw statements name no schema (a host's stock driver included): a configured one is refused.
  assertDefaultSchema(em.config, em.getPlatform());
  if (dialectOf(em) === 'sqlite' && (driver as Partial<BeginsImmediate>).beginsWriteTransactionsImmediately !== true) {
    throw new ConfigError(
      'CONFIG.SQLITE_DRIVER_REQUIRED',
      `On SQLite ContractDesk needs its own driver (write transactions that BEGIN IMMEDIATE); this ORM uses ${driver.constructor.name}: set \`driver: ContractDeskSqliteDriver\` (from 'contractdesk/sqlite') in its config`,
    );
  }
  checked.add(driver);
}
