import { expect } from 'chai';
import { ConflictError, UnavailableError, ValidationError } from '../../src/errors/domain-error';
import { backoffDelay, isRetryable, withRetry } from '../../src/services/retry';

/** A scripted operation: fails with the given errors in order, then returns 'done'. */
function scripted(failures: unknown[]) {
  const calls: number[] = [];
  const operation = async (attempt: number) => {
    calls.push(attempt);
    const failure = failures[calls.length - 1];
    if (failure !== undefined) throw failure;
    return 'done';
  };
  return { operation, calls };
}

function recorder() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

const contention = () => UnavailableError.contention(new Error('deadlock detected'));
const unavailable = () => UnavailableError.unavailable(new Error('Connection terminated unexpectedly'));

describe('withRetry (unit)', () => {
  it('returns the first success without waiting', async () => {
    const { operation, calls } = scripted([]);
    const { waits, sleep } = recorder();
    expect(await withRetry(operation, { sleep })).to.equal('done');
    expect(calls).to.deep.equal([1]);
    expect(waits).to.deep.equal([]);
  });

  it('retries DB.CONTENTION and passes the attempt number; one wait per retry', async () => {
    const { operation, calls } = scripted([contention(), contention()]);
    const { waits, sleep } = recorder();
    expect(await withRetry(operation, { sleep, random: () => 0.5 })).to.equal('done');
    expect(calls).to.deep.equal([1, 2, 3]);
    expect(waits).to.deep.equal([10, 20]);
  });

  it('stops after exactly `attempts` tries and rethrows the last error itself', async () => {
    const errors = [contention(), contention(), contention(), contention()];
    const { operation, calls } = scripted(errors);
    const { waits, sleep } = recorder();
    const thrown = await withRetry(operation, { attempts: 3, sleep }).catch((e: unknown) => e);
    expect(thrown).to.equal(errors[2]);
    expect(calls).to.deep.equal([1, 2, 3]);
    expect(waits).to.have.length(2);
  });

  it('backoff: full jitter below a cap that doubles from base up to max', async () => {
    const almostOne = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, 10, 50, almostOne))).to.deep.equal([9, 19, 39, 49, 49, 49]);
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, 10, 50, () => 0))).to.deep.equal([0, 0, 0, 0]);

    const { operation } = scripted(Array.from({ length: 7 }, contention));
    const { waits, sleep } = recorder();
    await withRetry(operation, { attempts: 8, baseDelayMs: 10, maxDelayMs: 50, sleep, random: almostOne });
    expect(waits).to.deep.equal([9, 19, 39, 49, 49, 49, 49]);
  });

  it('with the real random source every delay stays within [0, cap)', async () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const cap = Math.min(1000, 20 * 2 ** (attempt - 1));
      for (let i = 0; i < 50; i++) {
        const delay = backoffDelay(attempt, 20, 1000, Math.random);
        expect(delay).to.be.within(0, cap - 1);
      }
    }
  });

  for (const [name, error] of [
    ['ValidationError', new ValidationError('VALIDATION.TYPE', 'title', 'title must be a string')],
    ['ConflictError', ConflictError.versionConflict('c1', 1)],
    ['a plain Error', new Error('boom')],
    ['a non-error value', 'boom'],
  ] as const) {
    it(`passes ${name} through at once (no retry, no wait)`, async () => {
      const { operation, calls } = scripted([error]);
      const { waits, sleep } = recorder();
      const thrown = await withRetry(operation, { sleep }).catch((e: unknown) => e);
      expect(thrown).to.equal(error);
      expect(calls).to.deep.equal([1]);
      expect(waits).to.deep.equal([]);
    });
  }

  it('DB.UNAVAILABLE is retried only for operations declared idempotent (a lost COMMIT may have committed)', async () => {
    const plain = scripted([unavailable()]);
    const thrown = await withRetry(plain.operation, recorder()).catch((e: unknown) => e);
    expect(thrown).to.be.instanceOf(UnavailableError).with.property('code', 'DB.UNAVAILABLE');
    expect(plain.calls).to.deep.equal([1]);

    const idempotent = scripted([unavailable(), unavailable()]);
    expect(await withRetry(idempotent.operation, { ...recorder(), idempotent: true })).to.equal('done');
    expect(idempotent.calls).to.deep.equal([1, 2, 3]);
    expect(isRetryable(unavailable(), true)).to.equal(true);
    expect(isRetryable(contention())).to.equal(true);
  });

  it('a custom shouldRetry replaces the rule and sees the attempt number; onRetry reports each wait', async () => {
    const boom = new Error('flaky');
    const { operation, calls } = scripted([boom, boom]);
    const seen: Array<[unknown, number, number]> = [];
    const result = await withRetry(operation, {
      ...recorder(),
      random: () => 0,
      shouldRetry: (e, attempt) => e === boom && attempt < 5,
      onRetry: (e, attempt, delay) => seen.push([e, attempt, delay]),
    });
    expect(result).to.equal('done');
    expect(calls).to.deep.equal([1, 2, 3]);
    expect(seen).to.deep.equal([
      [boom, 1, 0],
      [boom, 2, 0],
    ]);
  });

  it('refuses a nonsensical attempt count', async () => {
    for (const attempts of [0, -1, 1.5, 101, Number.NaN]) {
      const thrown = await withRetry(async () => 'x', { attempts }).catch((e: unknown) => e);
      expect(thrown, String(attempts)).to.be.instanceOf(RangeError);
    }
  });
});
