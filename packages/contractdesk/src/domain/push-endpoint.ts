import { ConfigError, ValidationError } from '../errors/domain-error';
import { requireString } from './validation';

/**
 * Web Push endpoints are URLs a user hands us and our sender later POSTs to: without a policy that is
 * a server-side request forgery primitive. This module is pure so a sender can re-check at send time.
 */

export const DEFAULT_PUSH_HOSTS: readonly string[] = [
  'fcm.googleapis.com',
  'updates.push.services.mozilla.com',
  'web.push.apple.com',
  '*.notify.windows.com',
];

export const ENDPOINT_MAX_LENGTH = 1000;

export interface PushEndpointPolicy {
  /** Host patterns: `example.com` matches it and its subdomains; `*.example.com` only subdomains. */
  allowedHosts: readonly string[];
  maxLength: number;
}

export const DEFAULT_PUSH_POLICY: PushEndpointPolicy = { allowedHosts: DEFAULT_PUSH_HOSTS, maxLength: ENDPOINT_MAX_LENGTH };

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
// At least two labels and a non-numeric top label: `com`, `*` or an IP would open the allowlist wide.
const HOST_PATTERN = new RegExp(`^(?:\\*\\.)?(?:${LABEL}\\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$`);

/**
 * Operators extend the allowlist with PUSH_ALLOWED_HOSTS (comma-separated patterns). A malformed entry
 * fails at startup (CONFIG.INVALID_VALUE) rather than silently matching nothing or everything.
 */
export function pushPolicyFromEnv(env: Record<string, string | undefined> = process.env): PushEndpointPolicy {
  const extra = (env.PUSH_ALLOWED_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  for (const pattern of extra) {
    if (!HOST_PATTERN.test(pattern) || isLocalHost(pattern.replace(/^\*\./, ''))) {
      throw new ConfigError(
        'CONFIG.INVALID_VALUE',
        `PUSH_ALLOWED_HOSTS entry "${pattern}" must be a public host name like push.example.com or *.example.com`,
      );
    }
  }
  return { ...DEFAULT_PUSH_POLICY, allowedHosts: [...DEFAULT_PUSH_HOSTS, ...extra] };
}

const IPV4_DOTTED = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const LOCAL_NAMES = ['localhost'];
const LOCAL_SUFFIXES = ['.localhost', '.local', '.internal', '.localdomain', '.home.arpa', '.arpa'];

function isLocalHost(host: string): boolean {
  return LOCAL_NAMES.includes(host) || LOCAL_SUFFIXES.some((s) => host.endsWith(s));
}

function reject(code: string, message: string): never {
  throw new ValidationError(code, 'endpoint', message);
}

/** Returns the canonical endpoint (lower-cased host) or throws a ValidationError naming the reason. */
export function checkPushEndpoint(value: unknown, policy: PushEndpointPolicy = DEFAULT_PUSH_POLICY): string {
  const raw = requireString('endpoint', value).trim();
  if (raw.length === 0) reject('VALIDATION.REQUIRED', 'endpoint is required');
  if (raw.length > policy.maxLength) reject('PUSH.ENDPOINT_TOO_LONG', `endpoint must be at most ${policy.maxLength} characters`);
  if (/[\u0000-\u0020\u007f-\u009f\\]/.test(raw)) reject('PUSH.ENDPOINT_MALFORMED', 'endpoint must be a URL without spaces or control characters');

  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return reject('PUSH.ENDPOINT_MALFORMED', 'endpoint must be an absolute URL');
  }
  if (url.protocol !== 'https:') reject('PUSH.ENDPOINT_NOT_HTTPS', 'endpoint must use https');
  if (url.username || url.password || /^https:\/\/[^/?#]*@/i.test(raw)) {
    reject('PUSH.ENDPOINT_USERINFO', 'endpoint must not contain credentials');
  }
  // The URL parser drops the default port, so any port left is not 443.
  if (url.port !== '') reject('PUSH.ENDPOINT_PORT', 'endpoint must use the default https port 443');
  // Checked on the raw text: the parser reports an empty fragment ("…#") as no fragment at all.
  if (url.hash || raw.includes('#')) reject('PUSH.ENDPOINT_MALFORMED', 'endpoint must not contain a fragment');

  // WHATWG parsing already turned decimal, octal and hex IPv4 notations into dotted form.
  const host = url.hostname.toLowerCase();
  if (host.startsWith('[') || host.includes(':') || IPV4_DOTTED.test(host)) {
    reject('PUSH.ENDPOINT_IP_LITERAL', 'endpoint must name a push service host, not an IP address');
  }
  if (host.endsWith('.') || isLocalHost(host)) {
    reject('PUSH.ENDPOINT_HOST_NOT_ALLOWED', 'endpoint host is not a public push service');
  }
  if (!policy.allowedHosts.some((pattern) => hostMatches(host, pattern))) {
    reject('PUSH.ENDPOINT_HOST_NOT_ALLOWED', 'endpoint host is not on the push service allowlist');
  }
  const canonical = url.href;
  if (canonical.length > policy.maxLength) reject('PUSH.ENDPOINT_TOO_LONG', `endpoint must be at most ${policy.maxLength} characters`);
  return canonical;
}

export function hostMatches(host: string, pattern: string): boolean {
  const p = pattern.toLowerCase();
  if (p.startsWith('*.')) return host.endsWith(p.slice(1)) && host.length > p.length - 1;
  return host === p || host.endsWith(`.${p}`);
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Decodes strict base64url (padding tolerated) and checks the byte length; returns the unpadded form. */
function base64urlKey(field: string, value: unknown, bytes: number, code: string): Buffer {
  const raw = requireString(field, value).trim().replace(/=+$/, '');
  // 4 characters carry 3 bytes; anything much longer than the expected size is refused before decoding.
  if (raw.length > Math.ceil((bytes * 4) / 3) + 4 || !BASE64URL.test(raw)) {
    throw new ValidationError(code, field, `${field} must be base64url of exactly ${bytes} bytes`);
  }
  const decoded = Buffer.from(raw, 'base64url');
  if (decoded.length !== bytes || decoded.toString('base64url') !== raw) {
    throw new ValidationError(code, field, `${field} must encode exactly ${bytes} bytes`);
  }
  return decoded;
}

export interface PushKeys {
  p256dh: string;
  auth: string;
}

export function checkPushKeys(keys: unknown): PushKeys {
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) {
    throw new ValidationError('VALIDATION.TYPE', 'keys', 'keys must be an object with p256dh and auth');
  }
  const { p256dh, auth } = keys as Record<string, unknown>;
  const point = base64urlKey('keys.p256dh', p256dh, 65, 'PUSH.KEY_P256DH_INVALID');
  if (point[0] !== 0x04) {
    throw new ValidationError('PUSH.KEY_P256DH_INVALID', 'keys.p256dh', 'keys.p256dh must be an uncompressed P-256 point (0x04 prefix)');
  }
  const secret = base64urlKey('keys.auth', auth, 16, 'PUSH.KEY_AUTH_INVALID');
  return { p256dh: point.toString('base64url'), auth: secret.toString('base64url') };
}
