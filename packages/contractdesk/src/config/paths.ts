import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Backend } from './backend';

export type Dialect = Backend['kind'];

/** The folder holding package.json; the same whether we run from src/ (ts-node) or dist/ (tsc). */
export const projectRoot: string = (() => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
})();

/** Where each dialect's migrations live: TypeScript sources, and their compiled form under dist/. */
export function migrationPaths(dialect: Dialect): { path: string; pathTs: string; snapshotName: string } {
  return {
    pathTs: join(projectRoot, 'migrations', dialect),
    path: join(projectRoot, 'dist', 'migrations', dialect),
    // Explicit per dialect: the default follows dbName, and ':memory:' would leave a stray snapshot file.
    snapshotName: `.snapshot-${dialect}`,
  };
}


/**
 * The migrations in a folder, by name (file name without its extension), oldest first: `Migration…` files with one
 * of `extensions`, type declarations left out. The one listing the migrator, the operator tools and
 * migrateContractDesk share.
 */
export function migrationNamesIn(dir: string, extensions: RegExp = /\.[jt]s$/): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.startsWith('Migration') && extensions.test(file) && !/\.d\.[cm]?ts$/.test(file))
    .map((file) => file.replace(extensions, ''))
    .sort();
}
