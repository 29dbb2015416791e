import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Env } from 'contractdesk';
import { workspaceRoot as projectRoot } from '../paths';
import { ConfigError, configuredSqlitePath } from 'contractdesk';

/** Where a token's signature is checked. */
export type AuthKeySource =
  | { kind: 'secret'; secret: Uint8Array }
  | { kind: 'jwks'; url: URL }
  /** No settings outside production: a generated HS256 key in the data folder. Never for real users. */
  | { kind: 'development'; secret: Uint8Array; keyFile: string; created: boolean };

export interface AuthSettings {
  keys: AuthKeySource;
  /** Required `iss` when set (always set in development mode, with a JWKS and in production). */
  issuer?: string;
  /** Required `aud` when set (always set in development mode, with a JWKS and in production). */
  audience?: string;
  /** Seconds of clock skew tolerated on `exp` and `nbf`. */
  clockToleranceSeconds: number;
  /** JWKS: least time between two fetches of the key set (an unknown `kid` triggers one). */
  jwksCooldownSeconds: number;
  /**
   * How long a verified token's result is remembered (never past its `exp`); 0 verifies every request. Bounds how
   * long a token signed by a key that was since withdrawn from the JWKS keeps being accepted.
   */
  tokenCacheSeconds: number;
}

export const DEV_ISSUER = 'contractdesk-dev';
export const DEV_AUDIENCE = 'contractdesk';
export const DEV_KEY_FILE = 'dev-auth-key';

// HS256 keys shorter than the hash output make brute force of the secret cheaper than of the signature.
const MIN_SECRET_BYTES = 32;

export function readAuthSettings(env: Env): AuthSettings {
  const secret = env.AUTH_JWT_SECRET?.trim();
  const jwks = env.AUTH_JWKS_URL?.trim();
  const issuer = env.AUTH_ISSUER?.trim() || undefined;
  const audience = env.AUTH_AUDIENCE?.trim() || undefined;
  const clockToleranceSeconds = seconds('AUTH_CLOCK_TOLERANCE_SECONDS', env.AUTH_CLOCK_TOLERANCE_SECONDS, 30);
  const jwksCooldownSeconds = seconds('AUTH_JWKS_COOLDOWN_SECONDS', env.AUTH_JWKS_COOLDOWN_SECONDS, 30);
  const tokenCacheSeconds = seconds('AUTH_TOKEN_CACHE_SECONDS', env.AUTH_TOKEN_CACHE_SECONDS, 60);
  if (secret && jwks) {
    throw new ConfigError('CONFIG.INVALID_VALUE', 'Set either AUTH_JWT_SECRET or AUTH_JWKS_URL, not both');
  }
  if (secret) {
    if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
      throw new ConfigError('CONFIG.INVALID_VALUE', `AUTH_JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes`);
    }
    if (env.NODE_ENV === 'production') requireAudienceAndIssuer({ issuer, audience }, 'NODE_ENV=production');
    return { keys: { kind: 'secret', secret: new TextEncoder().encode(secret) }, issuer, audience, clockToleranceSeconds, jwksCooldownSeconds, tokenCacheSeconds };
  }
  if (jwks) {
    const url = jwksUrl(jwks);
    requireAudienceAndIssuer({ issuer, audience }, 'AUTH_JWKS_URL');
    return { keys: { kind: 'jwks', url }, issuer, audience, clockToleranceSeconds, jwksCooldownSeconds, tokenCacheSeconds };
  }
  if (issuer || audience) {
    throw new ConfigError('CONFIG.INVALID_VALUE', 'AUTH_ISSUER / AUTH_AUDIENCE need AUTH_JWT_SECRET or AUTH_JWKS_URL');
  }
  if (env.NODE_ENV === 'production') {
    throw new ConfigError(
      'CONFIG.AUTH_REQUIRED',
      'NODE_ENV=production needs AUTH_JWT_SECRET or AUTH_JWKS_URL (development tokens are refused in production)',
    );
  }
  const keyFile = devKeyFile(env);
  const { secret: devSecret, created } = loadOrCreateDevKey(keyFile);
  return {
    keys: { kind: 'development', secret: devSecret, keyFile, created },
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
    clockToleranceSeconds,
    jwksCooldownSeconds,
    tokenCacheSeconds,
  };
}

/**
 * An identity provider signs tokens for every application of a tenant with the same keys: without an audience
 * (and the issuer it belongs to) a token issued for another application would be accepted here (RFC 8725
 * §3.9). With a JWKS that is always the case, so both are required; with a shared secret only in production
 * (in development the secret is ours alone, and tests mint tokens without them).
 */
function requireAudienceAndIssuer(claims: { issuer?: string; audience?: string }, because: string): void {
  const missing = [claims.audience ? undefined : 'AUTH_AUDIENCE', claims.issuer ? undefined : 'AUTH_ISSUER'].filter((name) => name !== undefined);
  if (missing.length > 0) throw AuthClaimsRequiredError.missing(missing, because);
}

/** Startup refused: the settings that name who a token must be for are missing. `missing` names them. */
export class AuthClaimsRequiredError extends ConfigError {
  private constructor(
    readonly missing: readonly string[],
    message: string,
  ) {
    super('CONFIG.AUTH_CLAIMS_REQUIRED', message);
  }

  static missing(missing: readonly string[], because: string): AuthClaimsRequiredError {
    return new AuthClaimsRequiredError(missing, `${because} needs ${missing.join(' and ')} (tokens issued for other applications must not be accepted)`);
  }
}

function seconds(name: string, raw: string | undefined, fallback: number): number {
  const value = raw?.trim();
  if (!value) return fallback;
  if (!/^\d{1,3}$/.test(value) || Number(value) > 300) {
    throw new ConfigError('CONFIG.INVALID_VALUE', `${name} must be a whole number of seconds from 0 to 300`);
  }
  return Number(value);
}

function jwksUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('CONFIG.INVALID_VALUE', 'AUTH_JWKS_URL must be an absolute URL');
  }
  // Keys fetched in clear text could be swapped in transit; plain http only for a key server on this host.
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigError('CONFIG.INVALID_VALUE', 'AUTH_JWKS_URL must be https (plain http only on the loopback interface)');
  }
  return url;
}

/**
 * The data folder is the folder of the SQLite file DB_PATH or a sqlite:/file: DATABASE_URL names, or ./data
 * when the database is the default file, in memory or on PostgreSQL.
 */
export function devKeyFile(env: Env): string {
  const dbPath = configuredSqlitePath(env);
  const dataDir = dbPath && dbPath !== ':memory:' ? dirname(dbPath) : join(projectRoot, 'data');
  return join(dataDir, DEV_KEY_FILE);
}

/**
 * Reads the development signing key, creating it (32 random bytes, hex, mode 600) on first use. A key file
 * readable by others is refused rather than silently tightened: someone else may already have copied it.
 */
export function loadOrCreateDevKey(file: string): { secret: Uint8Array; created: boolean } {
  let created = false;
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    try {
      // 'wx': never overwrite a key another process created a moment ago; the mode applies at creation.
      writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600); // the umask may have narrowed the mode further, never widened; make it exact
      created = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    throw new ConfigError('CONFIG.INVALID_VALUE', `The development key ${file} is readable by other users; chmod 600 it or delete it`);
  }
  const hex = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new ConfigError('CONFIG.INVALID_VALUE', `The development key ${file} is damaged; delete it to get a new one`);
  return { secret: Buffer.from(hex, 'hex'), created };
}
