import { expect } from 'chai';
import { UnavailableError } from '../../../src/errors/domain-error';

/** What a caller must get when the connection is lost: typed, retryable, and no driver text. */
export function expectUnavailable(error: unknown, context = ''): void {
  expect(error, `${context} ${(error as Error)?.stack ?? error}`).to.be.instanceOf(UnavailableError);
  const e = error as UnavailableError;
  expect(e.code, context).to.equal('DB.UNAVAILABLE');
  expect(e.retryable).to.equal(true);
  expect(e.message).to.equal('The database is unavailable right now; retry shortly');
  expect(JSON.stringify(e.toJSON())).to.not.match(/terminat|ECONN|socket|pg_|insert|select|57P01|sql|knex|timeout|abort/i);
}

/** What a caller must get when it lost a lock race: typed, retryable, nothing of its transaction applied. */
export function expectContention(error: unknown, context = ''): void {
  expect(error, `${context} ${(error as Error)?.stack ?? error}`).to.be.instanceOf(UnavailableError);
  const e = error as UnavailableError;
  expect(e.code, context).to.equal('DB.CONTENTION');
  expect(e.retryable).to.equal(true);
  expect(e.message).to.equal('The database is busy with conflicting work; retry shortly');
}

/** The error and its causes, one line each, for assertion messages (never shown to callers). */
export function describeCause(error: unknown): string {
  const parts: string[] = [];
  let current = error as { name?: string; code?: string; message?: string; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 5; depth++, current = current.cause as typeof current) {
    parts.push(`${current.name}(${current.code ?? ''}): ${String(current.message).slice(0, 160)}`);
  }
  return parts.join(' <- ');
}
