import { expect } from 'chai';
import { DomainError } from '../../src/errors/domain-error';

/** Awaits `promise`, asserts it rejects with a DomainError of `code`, and returns it. */
export async function expectDomainError(promise: Promise<unknown> | (() => Promise<unknown>), code: string): Promise<DomainError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect(error, `expected DomainError ${code}, got ${String(error)}`).to.be.instanceOf(DomainError);
    expect((error as DomainError).code).to.equal(code);
    expect((error as DomainError).message).not.to.match(/\b(select|insert|update|delete)\b.*\b(from|into|set|where)\b/i);
    return error as DomainError;
  }
  expect.fail(`expected a rejection with ${code}`);
}
