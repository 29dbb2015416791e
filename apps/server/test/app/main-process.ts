import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { workspaceRoot as projectRoot } from '../../src/paths';

export interface Main {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** When the first line arrived: every import is compiled by then, so what follows is start-up work. */
  firstLineAt: Promise<number>;
  output(): string;
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
}

/** A test's teardown: a main still running (a failed assertion left it up) is killed and awaited. */
export async function killIfRunning(main: Pick<Main, 'child' | 'exited'> | undefined): Promise<void> {
  if (!main || main.child.exitCode !== null || main.child.signalCode !== null) return;
  main.child.kill('SIGKILL');
  await main.exited;
}

/**
 * src/app/main.ts (what `npm start` runs compiled) as its own process, with only the given environment. `cwd`
 * (default: the workspace root) is where relative database paths start; ts-node and its tsconfig are named by
 * absolute path so they are found from anywhere.
 */
export function runMain(env: Record<string, string>, cwd = projectRoot): Main {
  const child = spawn(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), join(projectRoot, 'apps/server/src/main.ts')], {
    cwd,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', PORT: '0', TS_NODE_PROJECT: join(projectRoot, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  let markFirst: (at: number) => void = () => undefined;
  const firstLineAt = new Promise<number>((resolve) => (markFirst = resolve));
  const waiters: Array<() => void> = [];
  const onData = (chunk: Buffer) => {
    if (!text) markFirst(Date.now());
    text += chunk.toString('utf8');
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return {
    child,
    exited,
    firstLineAt,
    output: () => text,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text);
          if (match) resolve(match);
          else waiters.push(check);
        };
        void exited.then(() => setTimeout(() => reject(new Error(`exited before ${pattern}:\n${text.slice(-3000)}`)), 50));
        check();
      }),
  };
}

/** Resolves with the base URL once the app logs that it listens; rejects if it exits first. */
export function listening(main: Main): Promise<string> {
  return main.waitFor(/listening on http:\/\/\S+:(\d+)\s/).then((match) => `http://127.0.0.1:${match[1]}`);
}
