import type { EntityManager } from '@mikro-orm/core';
import { ConfigError } from '../errors/domain-error';

export type GuestDialect = 'sqlite' | 'postgresql';

/**
 * The dialect of an ORM ContractDesk did not configure, from its platform. By class name, so that neither
 * `@mikro-orm/better-sqlite` nor `@mikro-orm/postgresql` has to be installed for the other to work.
 */
export function dialectOf(em: Pick<EntityManager, 'getPlatform'>): GuestDialect {
  const name = em.getPlatform().constructor.name.toLowerCase();
  if (name.includes('sqlite')) return 'sqlite';
  if (name.includes('postgre')) return 'postgresql';
  throw new ConfigError(
    'CONFIG.UNSUPPORTED_DIALECT',
    `ContractDesk runs on PostgreSQL or SQLite; this ORM's platform is ${em.getPlatform().constructor.name}`,
  );
}
