/**
 * Secrets that can reach a log line inside free text: an error message quoting a URL, a start-up line naming a
 * database, a header echoed by a library. Structured fields are covered by pino's `redact` paths (logger.ts);
 * this covers the strings. Kept to one cheap test per string: most lines contain none of the trigger words.
 */
const TRIGGER = /bearer|basic|token|passw|pwd|secret|api_?key|cookie|authorization|eyJ|:\/\/[^\s/]*@/i;

const RULES: ReadonlyArray<readonly [RegExp, string]> = [
  // user:password@ in any URL (DATABASE_URL, a replica, a JWKS URL); the library's own mask (user:***@) stays.
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):(?!\*\*\*@)[^\s@/]*@/gi, '$1:[REDACTED]@'],
  // Credentials after an auth scheme, wherever they are quoted; a plain word after it is prose ("bearer tokens").
  [/\b(bearer|basic)(\s+)(?=[A-Za-z]*[^A-Za-z\s"',;]|[^\s"',;]{16})[^\s"',;]+/gi, '$1$2[REDACTED]'],
  // Whole header values: Authorization, Cookie, Set-Cookie.
  [/\b((?:set-)?cookie|authorization)(["']?\s*[:=]\s*["']?)[^"'\n]*/gi, '$1$2[REDACTED]'],
  // Query or form parameters named like secrets: ?token=, &access_token=, ?password=, client_secret=…
  [/([?&;\s"']|^)([\w.-]*(?:token|passw(?:or)?d|pwd|secret|api_?key)[\w.-]*)=[^&\s#"';,]*/gi, '$1$2=[REDACTED]'],
  // A JWT on its own (header.payload.signature, base64url of '{"').
  [/\beyJ[\w-]*\.[\w-]*\.[\w-]*/g, '[REDACTED]'],
];

export function redactText(text: string): string {
  if (!TRIGGER.test(text)) return text;
  let out = text;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out;
}

/**
 * Field names whose values never appear in a line (pino `redact` paths). Static paths only: pino compiles them to
 * property checks, where wildcards would walk every object of every line.
 */
export const REDACT_PATHS: readonly string[] = [
  'authorization',
  'cookie',
  'password',
  'token',
  'access_token',
  ...['headers', 'req.headers', 'request.headers'].flatMap((at) => [`${at}.authorization`, `${at}.cookie`, `${at}["set-cookie"]`]),
];
