import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Parent side of workers/crash-writer.ts: spawns it, follows its stdout protocol, kills it.
 * A child is spawned ahead of time ("standby") so module loading overlaps the previous run.
 */
export class WriterChild {
  readonly begun: string[] = [];
  readonly committed: string[] = [];
  readonly stderr: string[] = [];
  private readonly proc: ChildProcess;
  private buffer = '';
  private readonly waiters: Array<{ line: string; resolve: () => void }> = [];
  private readonly seen = new Set<string>();
  readonly exited: Promise<NodeJS.Signals | number | null>;

  constructor(script: string, env: Record<string, string | undefined>) {
    this.proc = spawn(process.execPath, [script], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve(signal ?? code)));
    this.proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.onData(chunk));
    this.proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => this.stderr.push(chunk));
    this.proc.stdin!.on('error', () => undefined);
  }

  /** Resolves when the child has printed exactly `line`; rejects if it exits first or takes too long. */
  async waitFor(line: string, timeoutMs = 30_000): Promise<void> {
    if (this.seen.has(line)) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((resolve) => this.waiters.push({ line, resolve })),
        this.exited.then((how) => Promise.reject(new Error(`writer exited (${how}) before "${line}": ${this.stderr.join('')}`))),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`writer did not print "${line}" within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  go(runTag: string): void {
    this.proc.stdin!.write(`go ${runTag}\n`);
  }

  /** SIGKILL: no handler, no flush, no cleanup in the child. Resolves once the process is gone. */
  async kill(): Promise<NodeJS.Signals | number | null> {
    this.proc.kill('SIGKILL');
    return this.exited;
  }

  /** Batches begun whose commit was not reported: the transaction that was open at the kill, if any. */
  inFlight(): string[] {
    const done = new Set(this.committed);
    return this.begun.filter((tag) => !done.has(tag));
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    const lines = this.buffer.split('\n');
    // A line without its newline is incomplete; keep it until the rest arrives (or ignore it at death).
    this.buffer = lines.pop()!;
    for (const line of lines) {
      this.seen.add(line);
      const [kind, tag] = line.split(' ');
      if (kind === 'begin') this.begun.push(tag);
      else if (kind === 'commit') this.committed.push(tag);
      for (const waiter of this.waiters.filter((w) => w.line === line)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }
}
