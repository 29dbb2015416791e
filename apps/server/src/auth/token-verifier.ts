import { type JWTPayload, type JWTVerifyGetKey, createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import { validate } from 'contractdesk';
import { UnavailableError, ValidationError } from 'contractdesk';
import { AuthRequiredError } from '../http/auth-errors';
import type { AuthSettings } from './auth-settings';

/** The verified identity a request carries. */
export interface VerifiedToken {
  subject: string;
}

/**
 * Caps checked before any parsing or cryptography, so a hostile header costs nothing: real ID-provider
 * tokens are 1–2 kB; 8 kB leaves room for large group claims.
 */
export const MAX_TOKEN_LENGTH = 8192;

// Asymmetric algorithms only for JWKS: an HS256 token must never be checked against a public key (the key
// would be known to everyone, so anyone could sign). jose also refuses that pairing; this list makes it explicit.
const JWKS_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];
const SECRET_ALGORITHMS = ['HS256'];
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Verified tokens remembered at once. Only tokens that passed verification get in, so a flood of forged ones
 * cannot grow it; at the 8 kB cap this stays under 40 MB, and real tokens are a tenth of that.
 */
const TOKEN_CACHE_ENTRIES = 4096;

/** Verifies `Authorization: Bearer` tokens with jose; every refusal is a 401 with a stable code, never jose's text. */
export class TokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];
  // A client sends the same token on every request until it expires; the signature check (WebCrypto) was the
  // biggest single cost of an authenticated GET. The key is the whole token, signature included.
  private readonly verified: LRUCache<string, VerifiedToken> | undefined;

  constructor(private readonly settings: AuthSettings) {
    this.verified = settings.tokenCacheSeconds > 0 ? new LRUCache<string, VerifiedToken>({ max: TOKEN_CACHE_ENTRIES }) : undefined;
    if (settings.keys.kind === 'jwks') {
      // jose caches the set and refetches when a token names an unknown kid (key rotation), at most once per
      // cooldown so a stream of made-up kids cannot turn us into a load generator against the key server.
      this.key = createRemoteJWKSet(settings.keys.url, { timeoutDuration: 5_000, cooldownDuration: settings.jwksCooldownSeconds * 1000, cacheMaxAge: 600_000 });
      this.algorithms = JWKS_ALGORITHMS;
    } else {
      this.key = settings.keys.secret;
      this.algorithms = SECRET_ALGORITHMS;
    }
  }

  /** `header` is the raw Authorization header value. */
  async verify(header: string): Promise<VerifiedToken> {
    const token = bearer(header);
    if (token.length > MAX_TOKEN_LENGTH) throw AuthRequiredError.invalidToken();
    // An entry never outlives the token's exp (plus the tolerated skew), so an expired token is never served.
    const known = this.verified?.get(token);
    if (known) return known;
    if (!COMPACT_JWS.test(token)) throw AuthRequiredError.invalidToken();
    // JSON.parse keeps the last of two equal keys; another parser may keep the first. A token whose meaning
    // depends on the parser is refused instead of being read one way here and another way elsewhere.
    const [headerPart, payloadPart] = token.split('.');
    if (hasDuplicateKeys(decodePart(headerPart)) || hasDuplicateKeys(decodePart(payloadPart))) throw AuthRequiredError.invalidToken();
    let payload: JWTPayload;
    try {
      const options = {
        algorithms: this.algorithms,
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: this.settings.clockToleranceSeconds,
        requiredClaims: ['sub', 'exp'],
      };
      payload = await this.verifySignature(token, options);
    } catch (error) {
      throw mapJoseError(error);
    }
    const result: VerifiedToken = Object.freeze({ subject: subjectOf(payload.sub) });
    this.remember(token, result, payload.exp);
    return result;
  }

  /** jose's verification of signature and claims (overridable so a test can count the calls). */
  protected async verifySignature(token: string, options: Parameters<typeof jwtVerify>[2]): Promise<JWTPayload> {
    const verified = typeof this.key === 'function' ? await jwtVerify(token, this.key, options) : await jwtVerify(token, this.key, options);
    return verified.payload;
  }

  private remember(token: string, result: VerifiedToken, exp: number | undefined): void {
    if (!this.verified || exp === undefined) return;
    // jose accepts the token while now <= exp + tolerance; the entry must be gone before that ends.
    const untilExpiry = (exp + this.settings.clockToleranceSeconds) * 1000 - Date.now() - 1000;
    const ttl = Math.min(this.settings.tokenCacheSeconds * 1000, untilExpiry);
    if (ttl > 0) this.verified.set(token, result, { ttl });
  }
}

function bearer(header: string): string {
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match) throw AuthRequiredError.invalidToken();
  return match[1];
}

function decodePart(part: string): string | undefined {
  const text = Buffer.from(part, 'base64url').toString('utf8');
  return text;
}

/** The same rule the user row applies, so a token we accept always names a subject we can store. */
function subjectOf(sub: unknown): string {
  try {
    return validate.authSubject(sub);
  } catch (error) {
    if (error instanceof ValidationError) throw AuthRequiredError.invalidToken();
    throw error;
  }
}

function mapJoseError(error: unknown): Error {
  if (error instanceof joseErrors.JWTExpired) return AuthRequiredError.expired();
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) return keysUnavailable(error);
  // The base class itself (not a subclass) is what jose throws for a key-set answer that is not 200 + JSON.
  if (error instanceof joseErrors.JOSEError && error.constructor === joseErrors.JOSEError) return keysUnavailable(error);
  if (error instanceof joseErrors.JOSEError) return AuthRequiredError.invalidToken();
  // Anything else came from fetching the key set (network, DNS): not the caller's fault, retry later.
  return keysUnavailable(error);
}

function keysUnavailable(cause: unknown): UnavailableError {
  return new UnavailableError('AUTH.KEYS_UNAVAILABLE', 'The signing keys could not be fetched; retry shortly', { cause });
}

/**
 * Whether any JSON object in `text` has the same key twice. Only called on text that will be parsed anyway;
 * invalid JSON returns false and is refused by jose.
 */
export function hasDuplicateKeys(text: string | undefined): boolean {
  if (text === undefined) return false;
  const stack: Array<Set<string> | null> = [];
  let i = 0;
  let expectKey = false;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        let key: string;
        try {
          key = JSON.parse(text.slice(i, j + 1)) as string;
        } catch {
          return false;
        }
        if (top.has(key)) return true;
        top.add(key);
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      stack.push(null);
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      expectKey = stack[stack.length - 1] !== null && stack.length > 0;
    }
    i++;
  }
  return false;
}
