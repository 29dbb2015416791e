import * as nodeModule from 'node:module';
import { betterSqlite3PackageFor } from '../../src/db/better-sqlite3';

/**
 * A few suites open MikroORM's stock `BetterSqliteDriver` on purpose (the guest refusal of a stock SQLite driver,
 * the upstream reproductions). Its knex dialect does `require('better-sqlite3')`: the 11.x MikroORM pins, whose
 * garbage Statements abort Node 24 in a later GC, while some other test runs (src/db/better-sqlite3.ts says why).
 * Where this Node needs better-sqlite3 13, the test process resolves `better-sqlite3` to it, as a host on Node 24
 * running the stock driver would alias it. `module.registerHooks` (Node 22.15+, 23.5+) is the public resolve hook;
 * Node 20 has none and needs none (11.x is its build).
 */
type ResolveHook = (specifier: string, context: unknown, next: (specifier: string, context: unknown) => unknown) => unknown;
const { registerHooks } = nodeModule as unknown as { registerHooks?: (hooks: { resolve: ResolveHook }) => void };

if (registerHooks && betterSqlite3PackageFor(process.versions.napi) === 'better-sqlite3-napi') {
  registerHooks({
    resolve: (specifier, context, next) => next(specifier === 'better-sqlite3' ? 'better-sqlite3-napi' : specifier, context),
  });
}
