import { DriverException, type EntityManager } from '@mikro-orm/core';
import { DomainError } from './domain-error';

/**
 * QueryBuilder.execute() and em.execute() hand back the raw driver error (SqliteError, pg DatabaseError)
 * instead of a MikroORM DriverException. Route those through the platform's own exception converter so
 * translateError sees the same typed exceptions whichever API produced them.
 */
export function toDriverException(error: unknown, em: Pick<EntityManager, 'getDriver'>): unknown {
  if (error instanceof DomainError || error instanceof DriverException || !(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  const native = error.name === 'SqliteError' || (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code));
  return native ? em.getDriver().convertException(error) : error;
}
