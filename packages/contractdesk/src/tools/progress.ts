/** Where progress goes; the copy tool writes to stderr so stdout keeps only the final report. */
export interface ProgressSink {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): unknown;
}

/**
 * Rows done / total, rate and ETA. On a TTY one bar redrawn in place (at most ~10 times a second);
 * otherwise one plain line per call, which is what log collectors and the tests read.
 */
export class Progress {
  private done = 0;
  private readonly started: number;
  private lastDraw = -Infinity;

  constructor(
    private readonly total: number,
    private readonly out: ProgressSink,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  advance(table: string, rows: number): void {
    this.done += rows;
    const t = this.now();
    if (this.out.isTTY) {
      if (t - this.lastDraw < 100 && this.done < this.total) return;
      this.lastDraw = t;
      this.out.write(`\r${this.bar(table, t)}\x1b[K`);
    } else {
      this.out.write(`progress: ${this.summary(table, t)}\n`);
    }
  }

  finish(): void {
    if (this.out.isTTY) this.out.write('\n');
  }

  /** Rows per second so far (for the final report). */
  rate(at: number = this.now()): number {
    const seconds = Math.max((at - this.started) / 1000, 0.001);
    return this.done / seconds;
  }

  private summary(table: string, at: number): string {
    const pct = this.total === 0 ? 100 : Math.floor((this.done / this.total) * 100);
    return `${this.done}/${this.total} rows (${pct}%), ${Math.round(this.rate(at))} rows/s, ETA ${this.eta(at)}, table ${table}`;
  }

  private bar(table: string, at: number): string {
    const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - 70));
    const filled = this.total === 0 ? width : Math.round((this.done / this.total) * width);
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.summary(table, at)}`;
  }

  private eta(at: number): string {
    const rate = this.rate(at);
    if (this.done >= this.total) return '0s';
    if (rate <= 0) return '?';
    return formatSeconds((this.total - this.done) / rate);
  }
}

export function formatSeconds(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
