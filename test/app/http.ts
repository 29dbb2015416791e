import type { AddressInfo } from 'node:net';
import { type ContractDeskApp, type CreateAppOptions, createApp } from '../../src/app/create-app';
import type { Env } from '../../src/config/backend';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  body?: unknown;
  /** Raw body text, sent as application/json as is (for malformed-JSON tests). */
  raw?: string;
  /** Caller identity (X-User-Id). */
  as?: string;
  headers?: Record<string, string>;
}

export interface RunningApp extends ContractDeskApp {
  url: string;
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

/** Starts the real application in-process on an ephemeral loopback port; requests go over real HTTP with fetch. */
export async function startApp(env: Env, options: CreateAppOptions = { logger: false }): Promise<RunningApp> {
  const created = await createApp(env, options);
  await created.app.listen(0, '127.0.0.1');
  const { port } = created.app.getHttpServer().address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    ...created,
    url,
    request: (method, path, opts) => request(url, method, path, opts),
    close: () => created.app.close(),
  };
}

export async function request<T = any>(base: string, method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  if (options.as) headers['x-user-id'] = options.as;
  const response = await fetch(base + path, { method, headers, body });
  const text = await response.text();
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
  const res = await app.request('POST', '/users', { body: { username, email: `${username}@example.com`, role } });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
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
