import { readFileSync } from 'node:fs';

/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): top functions by self time, and self time per
 * package/area. Usage: node dist/bench/profile-top.js <file.cpuprofile> [topN] [--busy]
 * `--busy` leaves idle samples out of the total, so shares are of the time the process was working (a server
 * waits for requests most of a run on a loaded machine, and its idle share says nothing about the request path).
 */
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

const args = process.argv.slice(2);
const busyOnly = args.includes('--busy');
const [file, topArg] = args.filter((a) => a !== '--busy');
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => {
  if (busyOnly && idle.has(id)) return;
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);

function area(url: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (!url) return '(native/gc/idle)';
  if (url.startsWith('node:')) return 'node core';
  return /\/(src|bench)\//.test(url) ? `app ${/\/(src|bench)\//.exec(url)![1]}` : url;
}

const byFn = new Map<string, number>();
const byArea = new Map<string, number>();
for (const n of profile.nodes) {
  const t = self.get(n.id) ?? 0;
  if (!t) continue;
  const short = n.callFrame.url.replace(/.*node_modules\//, '').replace(/.*\/work\/main\//, '');
  const key = `${n.callFrame.functionName || '(anonymous)'}  ${short}:${n.callFrame.lineNumber + 1}`;
  byFn.set(key, (byFn.get(key) ?? 0) + t);
  const a = area(n.callFrame.url);
  byArea.set(a, (byArea.get(a) ?? 0) + t);
}
const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
const top = Number(topArg ?? 25);
console.log(`total sampled${busyOnly ? ' (busy, idle left out)' : ''} ${(total / 1000).toFixed(0)} ms\n\nself time by area:`);
for (const [k, t] of [...byArea].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`${pct(t)}  ${k}`);
console.log(`\ntop ${top} functions by self time:`);
for (const [k, t] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);
