import { ConfigError } from '../errors/domain-error';

/**
 * The SQLite forms of DATABASE_URL (scheme case-insensitive; `file:` and `sqlite:` are the same):
 *
 *     sqlite-url = ( "sqlite:" / "file:" ) location
 *     location   = ":memory:"                          ; in memory, like DB_PATH=:memory:
 *                / "//" [ "localhost" ] absolute-path  ; sqlite:///var/lib/x.db, file://localhost/x.db
 *                / absolute-path                       ; sqlite:/var/lib/x.db
 *                / relative-path                       ; sqlite:./data/x.db, file:data/x.db (from the working directory)
 *
 * Percent-escapes in the path are decoded (`%20` is a space, `%3F` a literal "?"). A query or fragment is refused
 * rather than ignored: SQLite options are set with DB_SYNCHRONOUS / DB_BUSY_TIMEOUT, and a silently dropped
 * `?mode=ro` would open the file read-write. Any other host is refused: SQLite opens local files only.
 *
 * The relative forms are not hierarchical URLs, and a WHATWG parser turns `file:./data/x.db` into
 * `file:///data/x.db` (an absolute path), so only the `//` form goes through `URL`.
 */
export const SQLITE_URL_SCHEMES = ['sqlite:', 'file:'] as const;

const SQLITE_SCHEME = /^(sqlite|file):/i;

/**
 * The location a SQLite URL names, as DB_PATH would spell it: ':memory:', an absolute path, or a path relative
 * to the working directory. `undefined` when `url` is not a sqlite:/file: URL at all.
 */
export function sqliteUrlLocation(url: string): string | undefined {
  const scheme = SQLITE_SCHEME.exec(url);
  if (!scheme) return undefined;
  const rest = url.slice(scheme[0].length);
  if (/[?#]/.test(rest)) {
    throw invalid(`${scheme[0]} URLs take no query or fragment; set DB_SYNCHRONOUS / DB_BUSY_TIMEOUT instead, and write a literal "?" or "#" in a file name as %3F / %23`);
  }
  if (rest === ':memory:') return rest;
  const path = rest.startsWith('//') ? hierarchicalPath(url, scheme[0]) : decode(rest);
  if (path === '' || path.endsWith('/')) throw invalid(`DATABASE_URL ${scheme[0]} names no database file`);
  return path;
}

function hierarchicalPath(url: string, scheme: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(`DATABASE_URL is not a valid ${scheme} URL`);
  }
  // WHATWG keeps "localhost" for non-special schemes (sqlite:) and drops it for file:; both mean this machine.
  if (parsed.host !== '' && parsed.host.toLowerCase() !== 'localhost') {
    throw invalid(
      `DATABASE_URL ${scheme}//${parsed.host}/… names a host, but SQLite opens local files only: write ${scheme}///absolute/path.db, or ${scheme}./relative/path.db for a path from the working directory`,
    );
  }
  return decode(parsed.pathname);
}

function decode(path: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw invalid('DATABASE_URL holds a malformed percent-escape (a "%" not followed by two hex digits; write a literal "%" as %25)');
  }
  if (decoded.includes('\0')) throw invalid('DATABASE_URL names a file with a NUL character');
  return decoded;
}

function invalid(message: string): ConfigError {
  return new ConfigError('CONFIG.INVALID_DATABASE_URL', message);
}
