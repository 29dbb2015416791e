import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface TsProcess {
  child: ChildProcess;
  /** Resolves with the first stdout line starting with `prefix` (without the prefix). */
  line(prefix: string): Promise<string>;
  exited: Promise<number | null>;
  stderr(): string;
}

/** Runs a TypeScript file in a new Node process through ts-node (transpile-only), with extra env. */
export function spawnTs(file: string, args: string[], env: Record<string, string>): TsProcess {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, file), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, TS_NODE_TRANSPILE_ONLY: 'true' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: Array<{ prefix: string; resolve: (s: string) => void }> = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    let nl: number;
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      for (const w of waiters.splice(0)) {
        if (line.startsWith(w.prefix)) w.resolve(line.slice(w.prefix.length).trim());
        else waiters.push(w);
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    stderr: () => err,
    line: (prefix) =>
      new Promise<string>((resolve, reject) => {
        waiters.push({ prefix, resolve });
        void exited.then((code) => reject(new Error(`process exited (${code}) before "${prefix}": ${err.slice(-2000)}`)));
      }),
  };
}
