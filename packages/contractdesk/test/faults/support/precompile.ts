import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { projectRoot } from '../../../src/config/paths';
import { workspaceRoot } from '../../helpers/workspace';

/**
 * Crash tests start a child process per kill. Through ts-node each start costs ~3 s (loading the
 * compiler and transpiling src/), which would make 100 kills take minutes. So the sources the child
 * needs are transpiled once per test run, with the project's own compiler options, into a temp folder;
 * NODE_PATH lets the plain-JS child resolve packages from the project's node_modules.
 */
export interface Precompiled {
  /** Absolute path of the compiled form of a project-relative .ts file. */
  js(projectRelativeTs: string): string;
  /** Environment additions for a child running compiled code. */
  env: Record<string, string>;
}

const ROOTS = ['src', 'test/faults/workers'];

let cached: Precompiled | undefined;

export function precompile(): Precompiled {
  if (cached) return cached;
  const config = ts.readConfigFile(join(projectRoot, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, projectRoot);
  const compilerOptions: ts.CompilerOptions = { ...options, sourceMap: false, declaration: false, noEmit: false };
  const outDir = mkdtempSync(join(tmpdir(), 'contractdesk-faults-build-'));
  process.once('exit', () => rmSync(outDir, { recursive: true, force: true }));
  for (const root of ROOTS) {
    for (const file of tsFiles(join(projectRoot, root))) {
      const output = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions, fileName: file }).outputText;
      const target = join(outDir, relative(projectRoot, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, output);
    }
  }
  cached = {
    js: (path) => join(outDir, path.replace(/\.ts$/, '.js')),
    env: { NODE_PATH: join(workspaceRoot, 'node_modules') },
  };
  return cached;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}
