import { type Env, median } from '../report';
import type { RouteName } from './load';
import { ROUTE_TITLES } from './load';
import { APP_FLOOR, type ServerName, serverTitle } from './servers';

export interface Sample {
  dialect: string;
  round: number;
  route: RouteName;
  server: ServerName;
  rps: number;
  /** The server process's CPU time (user + system) per answered request, ms; undefined off Linux. */
  cpuPerRequest?: number;
  p50: number;
  p99: number;
  requests: number;
  seconds: number;
}

export interface DialectRun {
  dialect: string;
  settings: Record<string, string>;
}

export interface HttpReportInput {
  env: Env;
  samples: Sample[];
  routes: RouteName[];
  servers: ServerName[];
  rounds: number;
  connections: number;
  seconds: number;
  warmupSeconds: number;
  contracts: number;
  users: number;
  /** The dialects run, in order, with each database's settings. */
  dialects: DialectRun[];
  profiled: boolean;
  wallSeconds: number;
}

const ms = (n: number) => n.toFixed(n >= 10 ? 1 : 2);
const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** Per-round ratios of one server's requests/s (the app's by default) to another's (rounds pair up the same moment). */
function ratios(samples: Sample[], route: RouteName, floor: ServerName, of: ServerName = 'app'): number[] {
  const out: number[] = [];
  for (const app of samples.filter((s) => s.route === route && s.server === of)) {
    const other = samples.find((s) => s.route === route && s.server === floor && s.round === app.round);
    if (other) out.push(app.rps / other.rps);
  }
  return out;
}

function cpuCell(cell: Sample[]): string {
  const cpu = cell.map((s) => s.cpuPerRequest).filter((x): x is number => x !== undefined);
  return cpu.length ? `${median(cpu).toFixed(3)} (${Math.min(...cpu).toFixed(3)}–${Math.max(...cpu).toFixed(3)})` : '–';
}

const ratio = (r: number[]) => (r.length ? `${median(r).toFixed(2)}× (${r.map((x) => x.toFixed(2)).join(', ')})` : '–');

/**
 * Issue 22's targets: the app at least 1.25× the TypeORM peer's requests/s and 1.5× the plain-MikroORM peer's,
 * on GET and on transitions, per dialect; GET at least 0.25× the bare Nest route on the app's adapter.
 */
const PEER_TARGETS: ReadonlyArray<{ peer: ServerName; min: number }> = [
  { peer: 'typeorm', min: 1.25 },
  { peer: 'mikro-orm', min: 1.5 },
];
const FLOOR_TARGET = 0.25;

const verdict = (value: number, min: number) => `${value.toFixed(2)}×, ${value >= min ? 'met' : '**not met**'}`;

function targets(input: HttpReportInput, dialect: string, samples: Sample[], route: RouteName): string[] {
  const lines: string[] = [];
  for (const { peer, min } of PEER_TARGETS) {
    const r = ratios(samples, route, peer);
    if (r.length) lines.push(`- Target (issue 22): app ≥ ${min}× ${serverTitle(peer)}: ${verdict(median(r), min)}.`);
  }
  if (route !== 'get') return lines;
  const floor = ratios(samples, 'get', APP_FLOOR);
  if (floor.length) lines.push(`- Target (issue 22): GET ≥ ${FLOOR_TARGET}× the bare Nest route on its adapter (${serverTitle(APP_FLOOR)}): ${verdict(median(floor), FLOOR_TARGET)}.`);
  const app = samples.filter((s) => s.route === 'get' && s.server === 'app');
  if (dialect === 'sqlite' && input.connections === 16 && app.length) {
    const p99 = median(app.map((s) => s.p99));
    lines.push(`- Target (issue 16): GET p99 under 20 ms at 16 connections on SQLite: ${ms(p99)} ms, ${p99 < 20 ? 'met' : '**not met**'}.`);
  }
  return lines;
}

/** The issue's ratios of every dialect in one table, for a reader who wants only those. */
function summary(input: HttpReportInput): string[] {
  const lines = ['## Ratios at a glance', '', '| dialect | route | app / TypeORM peer | app / MikroORM peer | app / bare Nest (Fastify) | app / node:http |', '|---|---|---|---|---|---|'];
  for (const { dialect } of input.dialects) {
    const samples = input.samples.filter((s) => s.dialect === dialect);
    for (const route of input.routes) {
      const cell = (other: ServerName) => {
        const r = ratios(samples, route, other);
        return r.length ? `${median(r).toFixed(2)}×` : '–';
      };
      lines.push(`| ${dialect} | ${route} | ${cell('typeorm')} | ${cell('mikro-orm')} | ${cell(APP_FLOOR)} | ${cell('node')} |`);
    }
  }
  lines.push('', `Targets (issue 22): app / TypeORM peer ≥ 1.25×, app / MikroORM peer ≥ 1.5× (GET and transitions, each dialect); GET app / bare Nest (Fastify) ≥ ${FLOOR_TARGET}×.`, '');
  return lines;
}

function dialectSection(input: HttpReportInput, dialect: string): string[] {
  const samples = input.samples.filter((s) => s.dialect === dialect);
  const lines: string[] = [];
  for (const route of input.routes) {
    lines.push(`## ${dialect}: ${ROUTE_TITLES[route]}`, '', '| server | requests/s | p50 ms | p99 ms | server CPU ms/request | requests per cell |', '|---|---|---|---|---|---|');
    for (const server of input.servers) {
      const cell = samples.filter((s) => s.route === route && s.server === server);
      if (!cell.length) continue;
      const rps = cell.map((s) => s.rps);
      lines.push(
        `| ${serverTitle(server)} | ${fmt(median(rps))} (${fmt(Math.min(...rps))}–${fmt(Math.max(...rps))}) | ${ms(median(cell.map((s) => s.p50)))} | ${ms(median(cell.map((s) => s.p99)))} | ${cpuCell(cell)} | ${cell.map((s) => s.requests).join(', ')} |`,
      );
    }
    lines.push('');
    for (const peer of ['typeorm', 'mikro-orm'] as const) {
      const r = ratios(samples, route, peer);
      if (r.length) lines.push(`- app / ${serverTitle(peer)}: ${ratio(r)}.`);
    }
    lines.push(`- app / bare Nest on its adapter: ${ratio(ratios(samples, route, APP_FLOOR))}; app / node:http: ${ratio(ratios(samples, route, 'node'))} (median of per-round ratios, then each round's).`);
    const appB = ratios(samples, route, 'app-b');
    if (appB.length) lines.push(`- app / app-b (the other build): ${ratio(appB)}.`);
    const adapters = ratios(samples, route, 'nest', 'nest-fastify');
    if (adapters.length) lines.push(`- bare Nest route, Fastify / Express: ${ratio(adapters)}.`);
    lines.push(...targets(input, dialect, samples, route));
    lines.push('');
  }
  return lines;
}

export function renderHttpReport(input: HttpReportInput): string {
  const { env } = input;
  const lines: string[] = ['# HTTP benchmark: the app against its peers (Nest + TypeORM, Nest + MikroORM), a bare Nest route and a bare node:http server', ''];
  const dialectNames = input.dialects.map((d) => d.dialect);
  lines.push(
    `Generated by \`npm run bench:http\` on ${env.when}: ${dialectNames.join(' and ')}, ${input.connections} connections, ${input.rounds} rounds of ${input.seconds} s per cell ` +
      `after ${input.warmupSeconds} s of warm-up per cell, servers taken in a rotating order each round; wall time ${input.wallSeconds.toFixed(0)} s.` +
      (input.profiled ? ' **Servers ran under --cpu-prof (BENCH_HTTP_PROFILE), which slows them: not a run to quote.**' : ''),
    '',
    'Each cell: median over rounds of requests/s (min–max), of the p50 / p99 latency and of the server process\'s CPU time (user + system, from /proc) per answered request (min–max): on a shared machine the CPU per request is the steadier measure, since time a server spends descheduled is not in it. Every answer was checked: 2xx, and (except from the constant Nest route) about the contract and version asked for; before any cell the peers and the node:http floor answered 20 GETs with the app\'s exact body and ETag.',
    '',
  );
  lines.push(...summary(input));
  for (const { dialect } of input.dialects) lines.push(...dialectSection(input, dialect));
  lines.push('## What runs', '');
  lines.push(
    `- Data: ${fmt(input.users)} users and ${fmt(input.contracts)} contracts from bench/data.ts, written after the app's own migrations; each user is bound to a token subject. ` +
      'Before every transitions cell every contract is put back to draft at version 1, so each cell starts from the same state.',
    '- **app**: `createApp` (apps/server/src/create-app.ts), as `npm start` wires it, NODE_ENV=production, HS256 bearer tokens (AUTH_JWT_SECRET, issuer and audience checked) minted for the contract\'s client; ' +
      'THROTTLE_WRITES=0 (the per-caller write limit would otherwise answer 429 within the first second).',
    '- **peers** (bench/http-peers, a package of its own): the same two routes written as a Nest team writes them without ContractDesk, on Nest\'s Fastify adapter with its defaults: a controller guard verifies the bearer token with jose (HS256, issuer and audience; on every request, no cache of verified tokens) and finds the caller by token subject in contractdesk_users; the controller loads the contract, answers 403 unless the caller is its client or freelancer, sets ETag and returns the app\'s body field for field. ' +
      'A transition runs in one transaction: load, party / version (If-Match) / state-machine checks, then a version-guarded write. ' +
      '**TypeORM**: a DataSource with its normal pool (PostgreSQL poolSize = DB_POOL_MAX; SQLite its one connection, the app\'s pragmas, transactions queued since TypeORM nests concurrent ones on that connection), repository.findOne, `dataSource.transaction` with `update({ id, version }, …)` and an affected-rows check. ' +
      '**MikroORM** (the same @mikro-orm/core as the app, stock drivers): `MikroOrmModule.forRoot` (its middleware forks a RequestContext per request), injected EntityManager, `em.findOne`, `em.transactional` changing the entity, whose `version: true` property makes the flush `update … where id and version` (OptimisticLockError → 409).',
    '- **bare Nest**: a Nest module with one controller (bench/http/nest-constant.ts), the same two paths, returning a constant contract-shaped object; no guard, no middleware, no database (the framework floor): ' +
      'once on the Express adapter (@nestjs/platform-express), once on the Fastify adapter (@nestjs/platform-fastify, its defaults), so the adapters are measured side by side.',
    ...(input.servers.includes('app-b')
      ? ['- **app-b**: another compiled build of the app (BENCH_HTTP_APP_B_DIST), started the same way on the same database and environment.']
      : []),
    `- **node:http**: node:http and the driver (better-sqlite3 through src/db/better-sqlite3.ts with the app's pragmas; pg.Pool): GET is one prepared SELECT by id; a transition is one \`UPDATE … WHERE id AND version AND status IN (allowed sources) RETURNING\`. No token verification (the driver floor).`,
    '- GET asks for a random seeded contract; transitions walk every contract draft → active → disputed → completed in passes over a shuffled order, with `If-Match` of the version it must have (a cell ends early if it uses them all).',
    '- Load: autocannon (programmatic) in the parent process; each server in its own child process, only one under load at a time; at the floors\' rates the one load-generator thread may be what limits them, so their requests/s are lower bounds (and the app\'s ratios to them upper bounds). Latency: each response\'s time as autocannon measures it (request written to answer read), in fractional ms; percentiles over all responses of the cell.',
    '',
    '## Machine',
    '',
    `- ${env.nproc} cores (nproc), ${env.cpu}, ${env.memGiB} GiB RAM. Load average (1/5/15 min) before: ${env.loadBefore}, after: ${env.loadAfter ?? '?'}.`,
    `- Node ${env.node}; ${Object.entries(env.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    ...input.dialects.map((d) => `- ${d.dialect}: ${Object.entries(d.settings).map(([k, v]) => `${k}: ${v}`).join('; ')}.`),
  );
  return `${lines.join('\n')}\n`;
}
