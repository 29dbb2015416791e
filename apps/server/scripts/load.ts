/**
 * `npm run load`: a bounded load test over real HTTP, loopback only, that stops by itself.
 *
 * By default it starts the app in this process on 127.0.0.1 (SQLite in a temp file, deleted afterwards;
 * with DATABASE_URL=postgres://… it uses that database and only ever adds uniquely named rows), or it
 * targets LOAD_URL, which must be a loopback address (e.g. a server started with `npm start`).
 *
 * LOAD_CLIENTS (default 16) closed-loop clients run a mixed workload for LOAD_SECONDS (default 10):
 * register users, create contracts, read and list contracts, transition contracts with If-Match and
 * retry on 409, revise draft amounts, and subscribe to push endpoints (sometimes someone else's).
 * At the end it prints requests/s, p50/p99 latency and responses by code, then checks the data:
 * every contract's version is 1 + the changes the clients saw succeed and its status is the last one
 * they set (no lost update), every push endpoint belongs to the user whose claim succeeded, and every
 * registered user exists. Exit code 1 on a failed check or an unexpected (5xx / network) error.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ConsoleLogger } from '@nestjs/common';
import { SignJWT } from 'jose';
import { readAuthSettings } from '../src/auth/auth-settings';
import { createApp, migrateOnStart } from '../src/create-app';
import { describeBackend, resolveBackend } from '../../../packages/contractdesk/src/config/backend';
import { CONTRACT_TRANSITIONS, ContractStatus } from '../../../packages/contractdesk/src/domain/contract-status';
import { intEnv } from './int-env';

const CLIENTS = intEnv('LOAD_CLIENTS', 16, 1, 256);
const SECONDS = intEnv('LOAD_SECONDS', 10, 1, 300);
const TRANSITION_RETRIES = 5;

interface User {
  id: string;
  endpoints: Set<string>;
}

/** Bearer token per user id (signed once; the run is far shorter than the token's lifetime). */
const tokens = new Map<string, string>();
let signingKey: { secret: Uint8Array; issuer?: string; audience?: string } | undefined;

async function tokenFor(subject: string): Promise<string> {
  if (!signingKey) throw new Error('no signing key');
  let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(subject).setIssuedAt().setExpirationTime('1h');
  if (signingKey.issuer) jwt = jwt.setIssuer(signingKey.issuer);
  if (signingKey.audience) jwt = jwt.setAudience(signingKey.audience);
  return jwt.sign(signingKey.secret);
}

/** The signing side of the server's auth settings: HS256 secret or development key; a JWKS has no key here. */
function useSigningKey(env: NodeJS.ProcessEnv): void {
  const auth = readAuthSettings(env);
  if (auth.keys.kind === 'jwks') throw new Error('load needs AUTH_JWT_SECRET or the development key to mint tokens (AUTH_JWKS_URL is set)');
  signingKey = { secret: auth.keys.secret, issuer: auth.issuer, audience: auth.audience };
}

interface ContractRecord {
  id: string;
  clientId: string;
  freelancerId: string;
  /** Changes (transitions + amount revisions) the clients saw succeed. */
  changes: number;
  /** Status after the highest-versioned successful change. */
  lastVersion: number;
  lastStatus: ContractStatus;
}

const users: User[] = [];
const contracts: ContractRecord[] = [];
const latencies: number[] = [];
const byCode = new Map<string, number>();
let unexpected = 0;
let base = '';

/** Server-side errors are logged with their cause; under load the first few are enough to diagnose. */
class QuietLogger extends ConsoleLogger {
  private errors = 0;

  override error(message: unknown, ...rest: unknown[]): void {
    if (++this.errors <= 3) super.error(message, ...rest);
    else if (this.errors === 4) super.error('further server errors are counted, not logged');
  }

  override log(): void {}
}

function pick<T>(list: readonly T[]): T {
  return list[Math.floor(Math.random() * list.length)];
}

function pushKeys(): { p256dh: string; auth: string } {
  const point = Buffer.concat([Buffer.from([4]), randomBytes(64)]);
  return { p256dh: point.toString('base64url'), auth: randomBytes(16).toString('base64url') };
}

async function call(method: string, path: string, as?: string, body?: unknown, headers: Record<string, string> = {}) {
  const started = performance.now();
  let status = 0;
  let payload: any;
  try {
    const response = await fetch(base + path, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(as ? { authorization: `Bearer ${tokens.get(as)}` } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    status = response.status;
    const text = await response.text();
    payload = text ? JSON.parse(text) : undefined;
  } catch (error) {
    payload = { code: `NETWORK.${(error as Error).name}` };
  }
  latencies.push(performance.now() - started);
  const key = status >= 200 && status < 300 ? `${status}` : `${status} ${payload?.code ?? '?'}`;
  byCode.set(key, (byCode.get(key) ?? 0) + 1);
  if (status === 0 || status >= 500) unexpected++;
  return { status, body: payload };
}

async function registerUser(): Promise<User | undefined> {
  const name = `load${randomBytes(6).toString('hex')}`;
  const token = await tokenFor(`load|${name}`);
  const res = await call('POST', '/users', undefined, { username: name, email: `${name}@example.com`, role: 'both' }, { authorization: `Bearer ${token}` });
  if (res.status !== 201) return undefined;
  tokens.set(res.body.id, token);
  const user = { id: res.body.id as string, endpoints: new Set<string>() };
  users.push(user);
  return user;
}

async function createContract(): Promise<void> {
  const client = pick(users);
  let freelancer = pick(users);
  if (freelancer === client) freelancer = users[(users.indexOf(client) + 1) % users.length];
  const res = await call('POST', '/contracts', client.id, {
    title: 'Load test contract',
    clientId: client.id,
    freelancerId: freelancer.id,
    amount: String(1 + Math.floor(Math.random() * 1e12)),
  });
  if (res.status === 201) {
    contracts.push({ id: res.body.id, clientId: client.id, freelancerId: freelancer.id, changes: 0, lastVersion: 1, lastStatus: res.body.status });
  }
}

function record(contract: ContractRecord, result: { version: number; status: ContractStatus }): void {
  contract.changes++;
  if (result.version > contract.lastVersion) {
    contract.lastVersion = result.version;
    contract.lastStatus = result.status;
  }
}

/** Read the current version, decide, write with If-Match; on 409 read again and re-decide. */
async function changeContract(): Promise<void> {
  if (contracts.length === 0) return createContract();
  const contract = pick(contracts);
  const as = Math.random() < 0.5 ? contract.clientId : contract.freelancerId;
  for (let attempt = 0; attempt < TRANSITION_RETRIES; attempt++) {
    const current = await call('GET', `/contracts/${contract.id}`, as);
    if (current.status !== 200) return;
    const status = current.body.status as ContractStatus;
    const ifMatch = { 'If-Match': `"${current.body.version}"` };
    let res;
    if (status === ContractStatus.Draft && Math.random() < 0.3) {
      res = await call('PUT', `/contracts/${contract.id}/amount`, as, { amount: String(1 + Math.floor(Math.random() * 1e12)) }, ifMatch);
    } else {
      const next = CONTRACT_TRANSITIONS[status];
      if (next.length === 0) return;
      res = await call('POST', `/contracts/${contract.id}/transitions`, as, { to: pick(next) }, ifMatch);
    }
    if (res.status === 200) return record(contract, res.body);
    if (res.status !== 409) return;
  }
}

async function readSomething(): Promise<void> {
  if (contracts.length === 0 || Math.random() < 0.2) {
    await call('GET', `/users/${pick(users).id}`);
    return;
  }
  const contract = pick(contracts);
  if (Math.random() < 0.5) await call('GET', `/contracts/${contract.id}`, contract.clientId);
  else await call('GET', `/contracts?freelancerId=${contract.freelancerId}&limit=20`, contract.freelancerId);
}

/** Mostly fresh endpoints; sometimes a refresh of one's own, sometimes a (refused) claim of someone else's. */
async function subscribe(): Promise<void> {
  const user = pick(users);
  const owner = pick(users);
  const roll = Math.random();
  let endpoint = `https://fcm.googleapis.com/fcm/send/${randomBytes(12).toString('hex')}`;
  if (roll < 0.2 && owner.endpoints.size > 0) endpoint = pick([...owner.endpoints]);
  const res = await call('POST', `/users/${user.id}/push-subscriptions`, user.id, { endpoint, keys: pushKeys() });
  if (res.status === 201) user.endpoints.add(endpoint);
}

async function client(deadline: number): Promise<void> {
  while (performance.now() < deadline) {
    const roll = Math.random();
    if (roll < 0.05) await registerUser();
    else if (roll < 0.2) await createContract();
    else if (roll < 0.5) await changeContract();
    else if (roll < 0.9) await readSomething();
    else await subscribe();
  }
}

async function verify(): Promise<string[]> {
  const failures: string[] = [];
  for (const c of contracts) {
    const res = await call('GET', `/contracts/${c.id}`, c.clientId);
    if (res.status !== 200) failures.push(`contract ${c.id}: GET ${res.status}`);
    else if (res.body.version !== 1 + c.changes) failures.push(`contract ${c.id}: version ${res.body.version}, expected 1 + ${c.changes} successful changes`);
    else if (c.changes > 0 && res.body.status !== c.lastStatus) failures.push(`contract ${c.id}: status ${res.body.status}, last successful change set ${c.lastStatus}`);
  }
  for (const u of users) {
    const res = await call('GET', `/users/${u.id}/push-subscriptions`, u.id);
    if (res.status !== 200) {
      failures.push(`user ${u.id}: GET ${res.status}`);
      continue;
    }
    const listed = new Set<string>(res.body.items.map((s: { endpoint: string }) => s.endpoint));
    const same = listed.size === u.endpoints.size && [...u.endpoints].every((e) => listed.has(e));
    if (!same) failures.push(`user ${u.id}: owns ${listed.size} endpoints, its successful claims were ${u.endpoints.size}`);
  }
  return failures;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function assertLoopback(url: string): string {
  const parsed = new URL(url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname)) {
    throw new Error(`LOAD_URL must point at this machine's loopback (127.0.0.1, localhost or [::1]), got ${parsed.hostname}`);
  }
  return parsed.origin;
}

async function main(): Promise<void> {
  let stop = async () => undefined as void;
  let label: string;
  if (process.env.LOAD_URL) {
    base = assertLoopback(process.env.LOAD_URL);
    label = `target ${base}`;
    useSigningKey(process.env);
  } else {
    let tempDir: string | undefined;
    // A throwaway secret for this run, and rate limits out of the way: load measures the service, not the limiter.
    // LOG_LEVEL=warn: a line per request would drown the report (and cost what load measures).
    const env: NodeJS.ProcessEnv = { THROTTLE_WRITES: '0', THROTTLE_REGISTRATIONS: '0', LOG_LEVEL: 'warn', ...process.env };
    if (!env.AUTH_JWT_SECRET && !env.AUTH_JWKS_URL) env.AUTH_JWT_SECRET = randomBytes(32).toString('hex');
    useSigningKey(env);
    if (!env.DATABASE_URL) {
      tempDir = mkdtempSync(join(tmpdir(), 'contractdesk-load-'));
      env.DB_PATH = join(tempDir, 'load.sqlite3');
    }
    label = `in-process app, ${describeBackend(resolveBackend(env))}`;
    const { app, orm } = await createApp(env, { logger: new QuietLogger() });
    await migrateOnStart(orm);
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    stop = async () => {
      await app.close();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    };
  }

  try {
    process.stdout.write(`load: ${CLIENTS} clients for ${SECONDS}s against ${label}\n`);
    for (let i = 0; i < Math.max(4, CLIENTS); i++) await registerUser();
    latencies.length = 0;
    byCode.clear();

    const started = performance.now();
    await Promise.all(Array.from({ length: CLIENTS }, () => client(started + SECONDS * 1000)));
    const elapsed = (performance.now() - started) / 1000;
    const count = latencies.length;
    const sorted = [...latencies].sort((a, b) => a - b);
    const codes = [...byCode.entries()].sort((a, b) => b[1] - a[1]);

    process.stdout.write(`\nrequests: ${count} in ${elapsed.toFixed(1)}s = ${(count / elapsed).toFixed(0)} req/s\n`);
    process.stdout.write(`latency: p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms\n`);
    process.stdout.write('responses by code:\n');
    for (const [code, n] of codes) process.stdout.write(`  ${code.padEnd(36)} ${n}\n`);
    const transitioned = contracts.reduce((sum, c) => sum + c.changes, 0);
    process.stdout.write(`created ${users.length} users, ${contracts.length} contracts; ${transitioned} successful contract changes\n`);

    const failures = await verify();
    process.stdout.write(
      `consistency: ${contracts.length} contracts (version = 1 + successful changes, last status), ${users.length} users' push endpoints: ` +
        (failures.length === 0 ? 'OK\n' : `${failures.length} FAILED\n${failures.slice(0, 20).map((f) => `  ${f}\n`).join('')}`),
    );
    if (unexpected > 0) process.stdout.write(`unexpected errors (5xx or network): ${unexpected}\n`);
    process.exitCode = failures.length > 0 || unexpected > 0 ? 1 : 0;
  } finally {
    await stop();
  }
}

main().catch((error) => {
  process.stderr.write(`load failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
