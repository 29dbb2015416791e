import { DriverException, type EntityManager } from '@mikro-orm/core';
import { DomainError } from './domain-error';

/**
 * QueryBuilder.execute(), em.execute() and the services' lean queries hand back the raw driver error
 * (SqliteError, pg DatabaseError, socket errors) instead of a MikroORM DriverException. Route anything
 * carrying a driver `code` through the platform's own exception converter so translateError sees the same
 * typed exceptions whichever API produced them.
 */
export function toDriverException(error: unknown, em: Pick<EntityManager, 'getDriver'>): unknown {
  if (!(error instanceof Error) || error instanceof DomainError || error instanceof DriverException || !('code' in error)) return error;
  return em.getDriver().convertException(error);
}
