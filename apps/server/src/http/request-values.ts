import { ValidationError } from 'contractdesk';

/**
 * Query strings are text; the services validate numbers. Digits become a number, anything else is passed
 * through unchanged so the service reports it with its usual code and field.
 */
export function queryInt(value: unknown): unknown {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return value;
}

// An entity tag as we issue it ("3"), weak or bare forms tolerated; lists and "*" are not meaningful here.
const IF_MATCH = /^(?:W\/)?"?(\d{1,10})"?$/;

/**
 * The version a write is based on: from the body's `expectedVersion` or an `If-Match: "<version>"` header.
 * Both present and different is a client bug worth reporting rather than guessing.
 */
export function expectedVersion(body: Record<string, unknown>, ifMatch: string | undefined): unknown {
  const fromBody = body.expectedVersion;
  if (ifMatch === undefined || ifMatch.trim() === '') {
    if (fromBody === undefined) {
      throw new ValidationError(
        'VALIDATION.VERSION_REQUIRED',
        'expectedVersion',
        'Send the version you last saw as "expectedVersion" in the body or as an If-Match header',
      );
    }
    return fromBody;
  }
  const match = IF_MATCH.exec(ifMatch.trim());
  if (!match) throw new ValidationError('VALIDATION.INVALID_IF_MATCH', 'If-Match', 'If-Match must be one contract version, e.g. "3"');
  const fromHeader = Number(match[1]);
  if (fromBody !== undefined && fromBody !== fromHeader) {
    throw new ValidationError('VALIDATION.VERSION_MISMATCH', 'expectedVersion', 'expectedVersion and If-Match disagree');
  }
  return fromHeader;
}

export function etag(version: number): string {
  return `"${version}"`;
}
