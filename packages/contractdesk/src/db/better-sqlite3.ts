import type BetterSqlite3 from 'better-sqlite3';
import { ConfigError } from '../errors/domain-error';

/**
 * The better-sqlite3 build this Node can run safely. Everything that opens a SQLite file (MikroORM's knex
 * dialect via db/sqlite-driver.ts, db:copy, tests) loads it through here, never `require('better-sqlite3')`.
 *
 * Why two versions: better-sqlite3 up to 12.x wraps its objects in `node::ObjectWrap`, which is a header
 * compiled into the addon. From Node 24 that header registers an environment cleanup hook per object and
 * removes it in the destructor, which asserts that a JS context is entered. When V8 collects a garbage
 * Statement in a GC that runs outside any context (a GC task between event-loop turns), the destructor
 * aborts the process: `Assertion failed: (env) != nullptr` in `RemoveEnvironmentCleanupHook`, called from
 * `Statement::~Statement()`. knex prepares one Statement per query, so garbage Statements are constant;
 * closing connections or caching statements cannot prevent it. better-sqlite3 13 uses Node-API's ObjectWrap,
 * which has no such hook, but needs Node-API 10 (Node 22.14+, 23.6+, 24) and crashes on Node 20.
 * MikroORM 6.6 pins 11.10.0 (the `better-sqlite3` package); 13 is installed alongside as
 * `better-sqlite3-napi`, and whichever this runtime supports is chosen, once per process.
 */
export type BetterSqlite3Module = typeof BetterSqlite3;

export type BetterSqlite3Package = 'better-sqlite3' | 'better-sqlite3-napi';

/** better-sqlite3 13 is built for Node-API 10; loading it on 9 (Node 20) segfaults, so check before requiring. */
export const NAPI_FOR_V13 = 10;

let chosen: { module: BetterSqlite3Module; name: BetterSqlite3Package } | undefined;

/** Which package this runtime gets; exported for the test that pins the rule. */
export function betterSqlite3PackageFor(napiVersion: string | undefined): BetterSqlite3Package {
  return Number(napiVersion) >= NAPI_FOR_V13 ? 'better-sqlite3-napi' : 'better-sqlite3';
}

export function betterSqlite3Package(): BetterSqlite3Package {
  return load().name;
}

export function loadBetterSqlite3(): BetterSqlite3Module {
  return load().module;
}

function load(): { module: BetterSqlite3Module; name: BetterSqlite3Package } {
  if (!chosen) {
    let name = betterSqlite3PackageFor(process.versions.napi);
    if (name === 'better-sqlite3-napi' && !installed('better-sqlite3-napi')) {
      // An optional peer (a host on PostgreSQL, or on Node 20, never needs it). Without it Node 22 runs 11.x
      // safely; Node 24 would abort on it, so there the start is refused with the fix.
      if (Number(process.versions.node.split('.')[0]) >= 24) {
        throw new ConfigError(
          'CONFIG.SQLITE_BUILD_MISSING',
          `SQLite on Node ${process.versions.node} needs better-sqlite3 13: install it as better-sqlite3-napi (npm install better-sqlite3-napi@npm:better-sqlite3@^13.2.0)`,
        );
      }
      name = 'better-sqlite3';
    }
    // Literal requires (not a variable) so bundlers and `npm ls` style tooling can see both.
    const module = (name === 'better-sqlite3-napi' ? require('better-sqlite3-napi') : require('better-sqlite3')) as BetterSqlite3Module;
    chosen = { module, name };
  }
  return chosen;
}

function installed(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** `new Database(...)` on the chosen build. */
export function openSqlite(filename: string, options?: BetterSqlite3.Options): BetterSqlite3.Database {
  const Database = loadBetterSqlite3();
  return new Database(filename, options);
}
