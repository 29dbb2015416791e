import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type ContractDeskApp, type CreateAppOptions, createApp } from '../../src/create-app';
import type { Env } from '../../../../packages/contractdesk/src/config/backend';
import { type AuthVariant, type Signer, defaultVariant, signerFor } from './auth';
import { contractChecker, describesItself } from './contract';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  body?: unknown;
  /** Raw body text, sent as application/json as is (for malformed-JSON tests). */
  raw?: string;
  /** Caller: a user id registered through registerUser (a token for its subject is minted), or a subject via `subject`. */
  as?: string;
  /** Sends a token for this subject (registered or not). */
  subject?: string;
  /** Sends exactly this Authorization header value. */
  authorization?: string;
  headers?: Record<string, string>;
  /**
   * `false` skips the check against the OpenAPI document (test/app/contract.ts), for requests that hit what the
   * document deliberately does not declare (unknown routes, other methods). Keep these few and say why.
   */
  contract?: false;
}

export interface RunningApp extends ContractDeskApp {
  url: string;
  signer: Signer;
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

/** Starts the real application in-process on an ephemeral loopback port; requests go over real HTTP with fetch. */
/**
 * Rate limits high enough for the suites' bursts; the throttling test sets its own. Auth settings from the
 * suite's variant unless `env` brings its own.
 */
export const TEST_THROTTLE_ENV = { THROTTLE_WRITES: '1000000', THROTTLE_REGISTRATIONS: '1000000' };

export async function startApp(env: Env, options: CreateAppOptions & { auth?: AuthVariant } = { logger: false }): Promise<RunningApp> {
  const signer = await signerFor(options.auth ?? defaultVariant(env));
  const hasAuth = Object.keys(env).some((k) => k.startsWith('AUTH_'));
  const { auth: _auth, ...appOptions } = options;
  const created = await createApp({ ...TEST_THROTTLE_ENV, ...(hasAuth ? {} : signer.env), ...env }, { ...appOptions, logger: options.logger ?? (options.logDestination ? undefined : false) });
  await created.app.listen(0, '127.0.0.1');
  const { port } = created.app.getHttpServer().address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    ...created,
    url,
    signer,
    request: (method, path, opts) => request(url, method, path, opts, signer),
    close: () => created.app.close(),
  };
}

/** user id → subject, for every user registered through registerUser (subjects are unique per run). */
const subjects = new Map<string, string>();

export function subjectOf(userId: string): string {
  return subjects.get(userId) ?? `unregistered-${userId}`;
}

export async function request<T = any>(
  base: string,
  method: string,
  path: string,
  options: RequestOptions = {},
  signer?: Signer,
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  else if (options.as !== undefined || options.subject !== undefined) {
    if (!signer) throw new Error('request: a caller needs the app\'s signer');
    headers.authorization = `Bearer ${await signer.sign(options.subject ?? subjectOf(options.as!))}`;
  }
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  // Loaded before the request: a test that stops the app right after its request still gets checked.
  const checker = options.contract === false || describesItself(path) ? undefined : await contractChecker();
  const response = await fetch(base + path, { method, headers, body });
  // Checked against the path fetch sent (dot segments resolved), which is what the app routed.
  const text = await response.text();
  const problems = checker?.problems({ method, path: new URL(response.url).pathname, status: response.status, headers: response.headers, text }) ?? [];
  if (problems.length > 0) throw new Error(`response breaks the OpenAPI document:\n  ${problems.join('\n  ')}\n  body: ${text.slice(0, 500)}`);
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

/**
 * Declares before/after hooks that start the app against the suite's database and stop it. Call it inside a
 * nested `describe` of a describeEachDialect body, so the app closes before the harness drops the database.
 */
export function useApp(env: () => Record<string, string>, extraEnv: Record<string, string> = {}): () => RunningApp {
  let running: RunningApp | undefined;
  before(async function () {
    this.timeout(60_000);
    running = await startApp({ ...env(), ...extraEnv });
  });
  after(async function () {
    await running?.close();
  });
  return () => {
    if (!running) throw new Error('app not started');
    return running;
  };
}

let seq = 0;

export interface RegisteredUser {
  id: string;
  username: string;
  email: string;
  role: string;
}

export async function registerUser(app: RunningApp, role: 'client' | 'freelancer' | 'both' = 'both', prefix = 'user'): Promise<RegisteredUser> {
  const username = `${prefix}${++seq}x${process.pid}`;
  const subject = `sub|${username}|${randomUUID()}`;
  const res = await app.request('POST', '/users', { subject, body: { username, email: `${username}@example.com`, role } });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  subjects.set(res.body.id, subject);
  return res.body;
}

export async function createContract(
  app: RunningApp,
  client: RegisteredUser,
  freelancer: RegisteredUser,
  amount: string = '1000000',
): Promise<{ id: string; version: number; status: string; amount: string }> {
  const res = await app.request('POST', '/contracts', {
    as: client.id,
    body: { title: 'Logo design', clientId: client.id, freelancerId: freelancer.id, amount },
  });
  if (res.status !== 201) throw new Error(`create contract failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
