import type { IncomingMessage } from 'node:http';
import { AuthRequiredError } from '../http/auth-errors';

/**
 * The one Authorization header value of a request, or undefined when none was sent.
 *
 * Node keeps the first of two `Authorization` headers and silently drops the rest (`request.headers`), while
 * a proxy in front of us may keep the last or join them: the two would then disagree on who is calling. So
 * the raw header list is counted, and more than one header is refused as an invalid token, whatever the
 * values. One header carrying two credentials (`Bearer A, Bearer B`) is refused by the verifier's
 * one-token syntax (token-verifier.ts).
 */
export function soleAuthorization(request: { headers: Record<string, string | string[] | undefined>; raw?: Pick<IncomingMessage, 'rawHeaders'> }): string | undefined {
  const raw = request.raw?.rawHeaders;
  if (raw) {
    let seen = 0;
    // rawHeaders is a flat [name, value, name, value, …] list, names as sent.
    for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === 'authorization') seen++;
    if (seen > 1) throw AuthRequiredError.invalidToken();
  }
  const header = request.headers.authorization;
  if (Array.isArray(header)) throw AuthRequiredError.invalidToken();
  return header || undefined;
}
