import { randomUUID } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, type JWK, SignJWT, exportJWK, generateKeyPair } from 'jose';

/**
 * Real tokens for the e2e suites: HS256 with a shared secret, or RS256 from a JWKS served by a local HTTP
 * server of the tests' own (what an identity provider does). The app verifies them exactly as in production.
 */
export type AuthVariant = 'hs' | 'jwks';

export const TEST_ISSUER = 'https://idp.test.invalid/';
export const TEST_AUDIENCE = 'contractdesk-tests';
export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function newSigningKey(alg: 'RS256' | 'ES256' | 'EdDSA' = 'RS256', kid = randomUUID()): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

/** A JWKS endpoint on 127.0.0.1; `keys` can be replaced (rotation), `requests` counts fetches. */
export interface JwksServer {
  url: string;
  keys: JWK[];
  requests: number;
  close(): Promise<void>;
}

export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  const state = { keys, requests: 0 };
  const server: Server = createServer((req, res) => {
    state.requests++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get keys() {
      return state.keys;
    },
    set keys(value: JWK[]) {
      state.keys = value;
    },
    get requests() {
      return state.requests;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface TokenOptions {
  expiresInSeconds?: number;
  issuer?: string;
  audience?: string;
  claims?: Record<string, unknown>;
}

/** Signs tokens the way the configured identity provider would. */
export interface Signer {
  variant: AuthVariant;
  env: Record<string, string>;
  sign(subject: string, options?: TokenOptions): Promise<string>;
}

let sharedJwks: Promise<{ server: JwksServer; key: SigningKey }> | undefined;

async function jwksFixture() {
  sharedJwks ??= (async () => {
    const key = await newSigningKey('RS256');
    return { server: await startJwksServer([key.publicJwk]), key };
  })();
  return sharedJwks;
}

/** The key pair behind the shared JWKS server (the "identity provider" of the JWKS variant). */
export async function sharedJwksKey(): Promise<SigningKey> {
  return (await jwksFixture()).key;
}

export async function signerFor(variant: AuthVariant): Promise<Signer> {
  const base = { AUTH_ISSUER: TEST_ISSUER, AUTH_AUDIENCE: TEST_AUDIENCE };
  if (variant === 'hs') {
    const secret = new TextEncoder().encode(TEST_SECRET);
    return {
      variant,
      env: { ...base, AUTH_JWT_SECRET: TEST_SECRET },
      sign: (subject, options) => build(subject, options).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secret),
    };
  }
  const { server, key } = await jwksFixture();
  return {
    variant,
    env: { ...base, AUTH_JWKS_URL: server.url },
    sign: (subject, options) => build(subject, options).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey),
  };
}

function build(subject: string, options: TokenOptions = {}): SignJWT {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...options.claims })
    .setSubject(subject)
    .setIssuer(options.issuer ?? TEST_ISSUER)
    .setAudience(options.audience ?? TEST_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresInSeconds ?? 600));
}

/**
 * Which variant a suite runs: TEST_AUTH=hs|jwks for all, else HS256 on SQLite and JWKS on PostgreSQL, so
 * every e2e suite exercises both verification paths across the two dialects without running twice.
 */
export function defaultVariant(env: Record<string, string | undefined>): AuthVariant {
  const forced = process.env.TEST_AUTH;
  if (forced === 'hs' || forced === 'jwks') return forced;
  return env.DATABASE_URL ? 'jwks' : 'hs';
}
