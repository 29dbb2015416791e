import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type Dialect = 'sqlite' | 'postgresql';

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

