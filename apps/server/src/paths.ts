import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function packageJson(dir: string): { workspaces?: unknown } | undefined {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { workspaces?: unknown };
  } catch {
    return undefined;
  }
}

function findUp(accept: (dir: string) => boolean): string | undefined {
  let dir = __dirname;
  for (;;) {
    if (accept(dir)) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The app package's folder (apps/server, holding its package.json); the same from src/ (ts-node) or dist/ (tsc). */
export const appRoot: string = findUp((dir) => packageJson(dir) !== undefined) ?? process.cwd();

/**
 * The repository root (the npm workspace holding the app): where `npm start` runs and `./data` lives, as before
 * the app became a package of its own. The app's folder when it is not inside a workspace.
 */
export const workspaceRoot: string = findUp((dir) => packageJson(dir)?.workspaces !== undefined) ?? appRoot;
