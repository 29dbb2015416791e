import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

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
