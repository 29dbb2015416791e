import { deepStrictEqual } from 'node:assert/strict';
import autocannon from 'autocannon';
import type { ContractRow, Dataset } from '../data';
import { prng, shuffle } from '../data';

export type RouteName = 'get' | 'transition';

export const ROUTE_TITLES: Record<RouteName, string> = {
  get: 'GET /contracts/:id (random seeded id, as a party)',
  transition: 'POST /contracts/:id/transitions (If-Match, as a party)',
};

export interface CellOptions {
  url: string;
  connections: number;
  seconds: number;
  /** Whether answers must be about the contract asked for (false for the constant Nest floor). */
  checkBodies: boolean;
}

export interface CellResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  seconds: number;
}

/** What one run offers the load generator: the contracts, and a bearer token per user id. */
export interface Workload {
  data: Dataset;
  tokens: Map<string, string>;
}

// Each contract can move three times: draft → active → disputed → completed. Versions follow: 1, 2, 3.
const STEPS = ['active', 'disputed', 'completed'] as const;

interface Pending {
  contract?: ContractRow;
  expect?: string[];
}

/**
 * One timed cell against one server. Every answer must be 2xx and (unless `checkBodies` is off) carry the
 * contract and version it was asked for; anything else aborts the run, since its numbers would mean nothing.
 */
export async function runCell(route: RouteName, work: Workload, options: CellOptions, seed: number): Promise<CellResult> {
  const { contracts } = work.data;
  const random = prng(seed);
  const bearer = (c: ContractRow) => `Bearer ${work.tokens.get(c.clientId)}`;
  // Transitions take jobs in passes over a shuffled order, so a contract's next step is sent only after
  // every other contract's current one: with far more contracts than connections it has long completed.
  const order = shuffle(contracts, random);
  let next = 0;
  let failure: string | undefined;
  const request: autocannon.Request =
    route === 'get'
      ? {
          method: 'GET',
          setupRequest(req, context: Pending) {
            const c = contracts[Math.floor(random() * contracts.length)];
            context.contract = c;
            context.expect = [`"id":"${c.id}"`];
            return { ...req, path: `/contracts/${c.id}`, headers: { ...req.headers, authorization: bearer(c) } };
          },
        }
      : {
          method: 'POST',
          setupRequest(req, context: Pending) {
            const at = next++;
            const c = order[at % order.length];
            const step = Math.floor(at / order.length);
            context.contract = c;
            context.expect = [`"id":"${c.id}"`, `"status":"${STEPS[step]}"`, `"version":${step + 2}`];
            return {
              ...req,
              path: `/contracts/${c.id}/transitions`,
              headers: { ...req.headers, authorization: bearer(c), 'content-type': 'application/json', 'if-match': `"${step + 1}"` },
              body: JSON.stringify({ to: STEPS[step] }),
            };
          },
        };
  request.onResponse = (status, body, context: Pending) => {
    if (failure) return;
    if (status < 200 || status > 299) failure = `HTTP ${status}: ${body.slice(0, 300)}`;
    else if (options.checkBodies && !context.expect!.every((part) => body.includes(part))) {
      failure = `answer not about ${context.expect!.join(', ')}: ${body.slice(0, 300)}`;
    }
  };
  // autocannon's own histogram keeps whole milliseconds; the floors answer in well under one, so keep each
  // response's time (fractional ms) and take the percentiles from those.
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.seconds,
        requests: [request],
        // Transitions: never more than the seeded contracts can take (three steps each); a cell that fast ends early.
        ...(route === 'transition' ? { maxOverallRequests: order.length * STEPS.length } : {}),
      },
      (error: unknown, done) => (error ? reject(error instanceof Error ? error : new Error('autocannon failed')) : resolve(done)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  if (failure) throw new Error(`${options.url} ${route}: ${failure}`);
  if (result.errors || result.timeouts || result.non2xx) {
    throw new Error(`${options.url} ${route}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx answers`);
  }
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)];
  return { rps: result['2xx'] / result.duration, p50: percentile(50), p99: percentile(99), requests: result['2xx'], seconds: result.duration };
}

/**
 * Before anything is timed: every server that claims to do the same read (the node:http floor, the peers) must
 * give the app's answer, headers' entity tag and body, for the same contracts.
 */
export async function checkSameAnswers(work: Workload, appUrl: string, otherUrl: string, other: string, count = 20): Promise<void> {
  const { contracts } = work.data;
  for (let i = 0; i < count; i++) {
    const c = contracts[Math.floor((i * contracts.length) / count)];
    const headers = { authorization: `Bearer ${work.tokens.get(c.clientId)}` };
    const [fromApp, fromOther] = await Promise.all(
      [appUrl, otherUrl].map(async (base) => {
        const res = await fetch(`${base}/contracts/${c.id}`, { headers });
        if (res.status !== 200) throw new Error(`${base}/contracts/${c.id} answered ${res.status}: ${await res.text()}`);
        return { etag: res.headers.get('etag'), body: await res.json() };
      }),
    );
    deepStrictEqual(fromOther, fromApp, `${other} and the app disagree about contract ${c.id}`);
  }
}
