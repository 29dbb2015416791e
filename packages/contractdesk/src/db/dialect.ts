import type { EntityManager } from '@mikro-orm/core';
import type { Dialect } from '../config/paths';
import { ConfigError } from '../errors/domain-error';

type HasPlatform = Pick<EntityManager, 'getPlatform'>;

/**
 * Whether an ORM runs on SQLite, from its platform's class name, so that neither `@mikro-orm/better-sqlite` nor
 * `@mikro-orm/postgresql` has to be installed for the other to work. Holds for ContractDesk's drivers and MikroORM's.
 */
export function isSqlite(em: HasPlatform): boolean {
  return em.getPlatform().constructor.name.toLowerCase().includes('sqlite');
}

/** The dialect of an ORM ContractDesk did not configure; anything but PostgreSQL or SQLite is refused. */
export function dialectOf(em: HasPlatform): Dialect {
  if (isSqlite(em)) return 'sqlite';
  if (em.getPlatform().constructor.name.toLowerCase().includes('postgre')) return 'postgresql';
  throw new ConfigError(
    'CONFIG.UNSUPPORTED_DIALECT',
    `ContractDesk runs on PostgreSQL or SQLite; this ORM's platform is ${em.getPlatform().constructor.name}`,
  );
}
