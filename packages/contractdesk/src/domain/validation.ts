import { ValidationError } from '../errors/domain-error';

/**
 * Input rules shared by both backends. SQLite ignores varchar(n) and accepts any text as a uuid while
 * PostgreSQL enforces both, so the application decides; the database constraints are a second line.
 * Control characters are refused everywhere: MikroORM 6 inlines values into SQL text, and a NUL byte
 * breaks the statement on both drivers.
 */

export const LIMITS = {
  usernameMin: 3,
  usernameMax: 32,
  emailMax: 254,
  emailLocalMax: 64,
  titleMax: 200,
  roleNameMax: 64,
  descriptionMax: 500,
  permissionMax: 128,
  priorityMin: -1_000_000,
  priorityMax: 1_000_000,
  listLimitMax: 100,
  amountRevisionsMax: 100,
  /** A contract version is a PostgreSQL `integer`; a larger expectedVersion can never match. */
  versionMax: 2_147_483_647,
} as const;

export const MAX_STROOPS = (1n << 63n) - 1n;

// C0, DEL and C1 controls.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Multi-line fields may keep newlines and tabs, nothing else.
const CONTROL_EXCEPT_NEWLINE_TAB = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const USERNAME_PATTERN = /^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/;
// Deliberately simple: one @, no spaces, a dot in the domain, labels of letters/digits/hyphens.
const EMAIL = /^[^\s@"(),:;<>[\\\]]+@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}$/;
// Dot- or colon-separated lowercase segments, optionally ending in a `*` wildcard segment.
export const PERMISSION_PATTERN = /^(?:\*|[a-z][a-z0-9_-]*(?:[.:][a-z][a-z0-9_-]*)*(?:[.:]\*)?)$/;
const DECIMAL_STROOPS = /^(?:0|[1-9][0-9]*)$/;

export function fail(code: string, field: string, message: string): never {
  throw new ValidationError(code, field, message);
}

export function requireString(field: string, value: unknown): string {
  if (typeof value !== 'string') fail('VALIDATION.TYPE', field, `${field} must be a string`);
  if (!value.isWellFormed()) fail('VALIDATION.ENCODING', field, `${field} contains invalid unicode`);
  return value;
}

interface TextRules {
  min?: number;
  max: number;
  multiline?: boolean;
}

/** Trimmed, length-checked text without control characters. Length counts code points. */
export function text(field: string, value: unknown, rules: TextRules): string {
  const trimmed = requireString(field, value).trim();
  if ((rules.multiline ? CONTROL_EXCEPT_NEWLINE_TAB : CONTROL).test(trimmed)) {
    fail('VALIDATION.CONTROL_CHARACTER', field, `${field} must not contain control characters`);
  }
  const length = [...trimmed].length;
  const min = rules.min ?? 1;
  if (length === 0 && min > 0) fail('VALIDATION.REQUIRED', field, `${field} is required`);
  if (length < min) fail('VALIDATION.TOO_SHORT', field, `${field} must be at least ${min} characters`);
  if (length > rules.max) fail('VALIDATION.TOO_LONG', field, `${field} must be at most ${rules.max} characters`);
  return trimmed;
}

export const AUTH_SUBJECT_MAX = 255;

/**
 * An identity provider's subject (`sub`): opaque, compared exactly (case kept). Refused rather than cleaned:
 * controls (a NUL breaks inlined SQL), lone surrogates, surrounding space, and more than 255 code points.
 */
export function authSubject(value: unknown): string {
  const v = text('authSubject', value, { max: AUTH_SUBJECT_MAX });
  if (v !== value) fail('VALIDATION.INVALID_VALUE', 'authSubject', 'authSubject must not start or end with spaces');
  return v;
}

/** A well-formed UUID, lower-cased so both databases compare it the same way. */
export function uuid(field: string, value: unknown): string {
  if (typeof value !== 'string' || !UUID_PATTERN.test(value)) {
    fail('VALIDATION.INVALID_UUID', field, `${field} must be a UUID`);
  }
  return value.toLowerCase();
}

export function username(value: unknown): string {
  const v = text('username', value, { min: LIMITS.usernameMin, max: LIMITS.usernameMax }).toLowerCase();
  if (!USERNAME_PATTERN.test(v)) {
    fail(
      'VALIDATION.INVALID_USERNAME',
      'username',
      'username may use a-z, 0-9, ".", "_" and "-", and must start and end with a letter or digit',
    );
  }
  return v;
}

export function email(value: unknown): string {
  const v = text('email', value, { min: 3, max: LIMITS.emailMax }).toLowerCase();
  // Lower-casing can lengthen non-ASCII text ('İ' becomes 'i' + U+0307): measure what is stored, or
  // PostgreSQL's varchar(254) refuses a value SQLite silently keeps.
  if ([...v].length > LIMITS.emailMax) fail('VALIDATION.TOO_LONG', 'email', `email must be at most ${LIMITS.emailMax} characters`);
  const local = v.slice(0, v.indexOf('@'));
  if (!EMAIL.test(v) || local.length > LIMITS.emailLocalMax || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    fail('VALIDATION.INVALID_EMAIL', 'email', 'email must be an address like name@example.com');
  }
  return v;
}

export function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail('VALIDATION.INVALID_VALUE', field, `${field} must be one of: ${allowed.join(', ')}`);
  }
  return value as T;
}

export function integer(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    fail('VALIDATION.NOT_AN_INTEGER', field, `${field} must be a whole number`);
  }
  if (value < min || value > max) fail('VALIDATION.OUT_OF_RANGE', field, `${field} must be between ${min} and ${max}`);
  // -0 would be stored as 0 and read back as 0: normalise now so what we return is what persists.
  return value + 0;
}

/**
 * Money in stroops (1 XLM = 10^7 stroops): an int64 that must never pass through a lossy float.
 * Accepted as bigint, as a decimal string, or as a JS number only while it is still exact.
 */
export function stroops(field: string, value: unknown): bigint {
  let result: bigint;
  if (typeof value === 'bigint') {
    result = value;
  } else if (typeof value === 'string') {
    if (!DECIMAL_STROOPS.test(value)) {
      if (/^-\s*0*[1-9]/.test(value.trim())) fail('VALIDATION.NEGATIVE_AMOUNT', field, `${field} must not be negative`);
      fail('VALIDATION.INVALID_AMOUNT', field, `${field} must be a whole number of stroops written in digits`);
    }
    // Checked before BigInt() so a megabyte of digits costs nothing; 2^63-1 has 19 digits.
    if (value.length > 19) fail('VALIDATION.AMOUNT_TOO_LARGE', field, `${field} must be at most ${MAX_STROOPS}`);
    result = BigInt(value);
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value) || !Number.isInteger(value)) {
      fail('VALIDATION.INVALID_AMOUNT', field, `${field} must be a whole number of stroops`);
    }
    if (!Number.isSafeInteger(value)) {
      fail('VALIDATION.UNSAFE_NUMBER', field, `${field} is beyond 2^53 and has lost precision as a number; send it as a string`);
    }
    result = BigInt(value);
  } else {
    fail('VALIDATION.INVALID_AMOUNT', field, `${field} must be a whole number of stroops`);
  }
  if (result < 0n) fail('VALIDATION.NEGATIVE_AMOUNT', field, `${field} must not be negative`);
  if (result > MAX_STROOPS) fail('VALIDATION.AMOUNT_TOO_LARGE', field, `${field} must be at most ${MAX_STROOPS}`);
  return result;
}

export function permission(value: unknown, field = 'permission'): string {
  const v = text(field, value, { max: LIMITS.permissionMax });
  if (!PERMISSION_PATTERN.test(v)) {
    fail(
      'VALIDATION.INVALID_PERMISSION',
      field,
      `${field} must look like "contracts.read", "contracts:*" or "*" (lowercase segments joined by "." or ":")`,
    );
  }
  return v;
}

/** A request body or change set must be a plain object before its fields can be read. */
export function record<T extends object = Record<string, unknown>>(field: string, value: unknown): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('VALIDATION.TYPE', field, `${field} must be an object`);
  }
  return value as T;
}

export function listLimit(value: unknown, fallback = 20): number {
  if (value === undefined) return fallback;
  return integer('limit', value, 1, LIMITS.listLimitMax);
}
