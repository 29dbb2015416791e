import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { workspaceRoot as projectRoot } from '../../apps/server/src/paths';
import { generate, sizes } from '../data';
import { environment } from '../report';
import { type BenchDatabase, postgresDatabase, sqliteDatabase, subjectOf } from './database';
import { type CellResult, type RouteName, type Workload, checkSameAnswers, runCell } from './load';
import { type DialectRun, type Sample, renderHttpReport } from './report';
import { HTTP_PEERS_DIR, type RunningServer, type ServerName, isConstant, isPeer, serverTitle, startServer } from './servers';
import { intEnv } from '../../apps/server/scripts/int-env';

/**
 * `npm run bench:http`: requests/s, p50/p99 latency and server CPU per request of the app over loopback HTTP,
 * beside two peers written without ContractDesk (Nest + Fastify on TypeORM, on plain MikroORM: bench/http-peers),
 * a bare Nest route and a bare node:http server on the driver, in interleaved rounds, on SQLite and on
 * PostgreSQL. Writes bench/HTTP-RESULTS.md.
 *
 * Env: BENCH_HTTP_CONNECTIONS (16), BENCH_HTTP_SECONDS (5 per cell), BENCH_HTTP_ROUNDS (3),
 * BENCH_HTTP_WARMUP_SECONDS (1 per cell, untimed), BENCH_HTTP_SCALE (3: contracts = 10,000 × scale),
 * BENCH_HTTP_ROUTES (get,transition), BENCH_HTTP_SERVERS (app,typeorm,mikro-orm,nest,nest-fastify,node; the ratios
 * need app, the peers, node and the bare route on the app's adapter; add app-b with BENCH_HTTP_APP_B_DIST=<dist
 * directory of another build> [BENCH_HTTP_APP_B_LABEL] to measure another build of the app beside this one),
 * BENCH_HTTP_DIALECT (sqlite,postgresql: one or both, in that order; PostgreSQL on DATABASE_URL's server, else
 * BENCH_PG_ADMIN_URL's or 127.0.0.1:5432 as postgres; the run creates and drops its own database there),
 * BENCH_HTTP_OUT (report path), BENCH_HTTP_PROFILE=1 (the app runs under --cpu-prof; its profile's top
 * self-time functions are printed; a list of server names, e.g. app,mikro-orm, profiles those), BENCH_PEERS_INSTALL=0 (leave the peers out when bench/http-peers is not
 * installed instead of running `npm ci` there).
 */
const SERVERS = ['app', 'typeorm', 'mikro-orm', 'nest', 'nest-fastify', 'node'] as const satisfies readonly ServerName[];
const KNOWN: readonly ServerName[] = [...SERVERS, 'app-b'];
const SETTLE_MS = 1_000;

function listEnv<T extends string>(name: string, defaults: readonly T[], allowed: readonly T[] = defaults): T[] {
  const raw = process.env[name]?.trim();
  if (!raw) return [...defaults];
  const list = raw.split(',').map((s) => s.trim()) as T[];
  const bad = list.filter((x) => !allowed.includes(x));
  if (bad.length || !list.length) throw new Error(`${name} must be a comma-separated list of ${allowed.join(', ')}`);
  return list;
}

type Dialect = 'sqlite' | 'postgresql';

function dialectsFromEnv(): Dialect[] {
  return listEnv<Dialect>('BENCH_HTTP_DIALECT', ['sqlite', 'postgresql']);
}

/**
 * Installs bench/http-peers when its node_modules is missing (unless BENCH_PEERS_INSTALL=0) and compiles it.
 * False, with a line saying how to get them, when that is not possible: the run goes on without the peers.
 */
function preparePeers(): boolean {
  const npm = (args: string[]) => execFileSync('npm', ['--prefix', HTTP_PEERS_DIR, ...args], { stdio: ['ignore', 2, 2] });
  const howTo = 'npm --prefix bench/http-peers ci && npm --prefix bench/http-peers run build';
  try {
    if (!existsSync(join(HTTP_PEERS_DIR, 'node_modules'))) {
      if (process.env.BENCH_PEERS_INSTALL === '0') {
        log(`peers (bench/http-peers) not installed; to include them: ${howTo}`);
        return false;
      }
      log('peers: installing bench/http-peers (npm ci)');
      npm(['ci', '--no-audit', '--no-fund']);
    }
    npm(['run', 'build', '--silent']);
    return true;
  } catch (error) {
    log(`peers unavailable (${(error as Error).message.split('\n')[0]}); to include them: ${howTo}`);
    return false;
  }
}

function version(pkg: string): string {
  try {
    return require(`${pkg}/package.json`).version;
  } catch {
    return '?';
  }
}

/**
 * CPU time (user + system, ms) a server process has used so far, from /proc (Linux; undefined elsewhere).
 * Per request it is far steadier than requests/s on a machine other work shares: descheduled time is not in it.
 */
function cpuMs(pid: number): number | undefined {
  try {
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th of the whole line.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

// USER_HZ: 100 on every Linux architecture Node supports.
const CLOCK_TICKS = 100;

const log = (line: string): void => void process.stderr.write(`[bench:http] ${line}\n`);

async function mintTokens(users: Array<{ id: string }>, secret: string, issuer: string, audience: string): Promise<Map<string, string>> {
  const key = new TextEncoder().encode(secret);
  const tokens = new Map<string, string>();
  for (const user of users) {
    const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(subjectOf(user.id)).setIssuer(issuer).setAudience(audience);
    tokens.set(user.id, await jwt.setIssuedAt().setExpirationTime('2h').sign(key));
  }
  return tokens;
}

/** Top self-time functions of each profiled server, through bench/profile-top (compiled or TypeScript, like this file). */
function printProfile(dir: string, dialect: Dialect): void {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (!files.length) return log(`no .cpuprofile in ${dir}`);
  process.stdout.write(`\n## server profiles, ${dialect}\n`);
  const ts = __filename.endsWith('.ts');
  const script = join(__dirname, '..', `profile-top${ts ? '.ts' : '.js'}`);
  for (const file of files) {
    log(`${file.replace('.cpuprofile', '')} server profile: ${join(dir, file)}`);
    const args = [...(ts ? ['-r', 'ts-node/register/transpile-only'] : []), script, join(dir, file), '25', '--busy'];
    process.stdout.write(execFileSync(process.execPath, args, { encoding: 'utf8' }));
  }
}

async function main(): Promise<void> {
  const connections = intEnv('BENCH_HTTP_CONNECTIONS', 16, 1, 1024);
  const seconds = intEnv('BENCH_HTTP_SECONDS', 5, 1, 600);
  const rounds = intEnv('BENCH_HTTP_ROUNDS', 3, 1, 100);
  const warmupSeconds = intEnv('BENCH_HTTP_WARMUP_SECONDS', 1, 0, 600);
  const scale = intEnv('BENCH_HTTP_SCALE', 3, 1, 100);
  const routes = listEnv<RouteName>('BENCH_HTTP_ROUTES', ['get', 'transition']);
  let names = listEnv<ServerName>('BENCH_HTTP_SERVERS', SERVERS, KNOWN);
  const dialects = dialectsFromEnv();
  // '1' profiles the app (as before); a list of server names profiles those (each its own .cpuprofile).
  const profiled: ServerName[] = process.env.BENCH_HTTP_PROFILE?.trim() === '1' ? ['app'] : listEnv<ServerName>('BENCH_HTTP_PROFILE', [], KNOWN);
  const profile = profiled.length > 0;
  const out = process.env.BENCH_HTTP_OUT ?? join(projectRoot, 'bench', 'HTTP-RESULTS.md');
  const started = Date.now();
  const env = await environment();
  Object.assign(env.versions, { '@nestjs/core': version('@nestjs/core'), express: version('express'), fastify: version('fastify'), autocannon: version('autocannon') });
  if (names.some(isPeer)) {
    if (preparePeers()) Object.assign(env.versions, { typeorm: peerVersion('typeorm'), '@mikro-orm/nestjs': version('@mikro-orm/nestjs'), jose: version('jose') });
    else names = names.filter((name) => !isPeer(name));
  }
  log(`${dialects.join('+')}, ${names.join('+')}, ${connections} connections, ${rounds} rounds × ${seconds} s per cell, routes ${routes.join('+')}; load ${env.loadBefore}`);

  const data = generate(sizes(scale));
  const secret = randomBytes(32).toString('hex');
  const auth = { AUTH_JWT_SECRET: secret, AUTH_ISSUER: 'contractdesk-bench', AUTH_AUDIENCE: 'contractdesk-bench' };
  const work: Workload = { data, tokens: await mintTokens(data.users, secret, auth.AUTH_ISSUER, auth.AUTH_AUDIENCE) };
  const samples: Sample[] = [];
  const runs: DialectRun[] = [];
  for (const dialect of dialects) {
    runs.push(await runDialect(dialect));
  }

  async function runDialect(dialect: Dialect): Promise<DialectRun> {
    const db: BenchDatabase = dialect === 'postgresql' ? await postgresDatabase(data, 10) : await sqliteDatabase(data);
    log(`${dialect}: database ready`);
    const servers: RunningServer[] = [];
    const profileDir = profile ? mkdtempSync(join(tmpdir(), 'contractdesk-bench-http-prof-')) : undefined;
    try {
      const serverEnv = { ...db.env, ...auth, NODE_ENV: 'production', THROTTLE_WRITES: '0', MIGRATE_ON_START: 'false' };
      for (const name of names) {
        const execArgv = profileDir && profiled.includes(name) ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
        servers.push(await startServer(name, { env: serverEnv }, execArgv));
        log(`${dialect}: ${name} listening at ${servers[servers.length - 1].url} (pid ${servers[servers.length - 1].pid})`);
      }
      const app = servers.find((s) => s.name === 'app');
      if (app) {
        for (const other of servers.filter((s) => s !== app && !isConstant(s.name))) await checkSameAnswers(work, app.url, other.url, serverTitle(other.name));
      }
      let seed = 1;
      const cell = async (route: RouteName, server: RunningServer, cellSeconds: number): Promise<CellResult> => {
        if (route === 'transition') {
          // autocannon returns with up to `connections` requests still in the previous server; one finishing
          // after the reset moves a contract to version 2 behind the next cell's back (409). Let them land first.
          await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
          await db.resetWrites();
        }
        return runCell(route, work, { url: server.url, connections, seconds: cellSeconds, checkBodies: !isConstant(server.name) }, seed++);
      };
      if (warmupSeconds > 0) {
        for (const route of routes) for (const server of servers) await cell(route, server, warmupSeconds);
        log(`${dialect}: warm-up done`);
      }
      for (let round = 1; round <= rounds; round++) {
        for (const route of routes) {
          // A rotating order, so no server always runs right after the same other one.
          const order = servers.map((_, i) => servers[(i + round - 1) % servers.length]);
          for (const server of order) {
            const cpuBefore = cpuMs(server.pid);
            const r = await cell(route, server, seconds);
            const cpuAfter = cpuMs(server.pid);
            const cpuPerRequest = cpuBefore !== undefined && cpuAfter !== undefined && r.requests > 0 ? (cpuAfter - cpuBefore) / r.requests : undefined;
            samples.push({ dialect, round, route, server: server.name, ...r, cpuPerRequest });
            const cpu = cpuPerRequest === undefined ? '' : `  server CPU ${cpuPerRequest.toFixed(3)} ms/req`;
            log(`${dialect} round ${round} ${route.padEnd(10)} ${server.name.padEnd(12)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  (${r.requests} in ${r.seconds} s)${cpu}`);
          }
        }
      }
    } finally {
      // The last cell's trailing requests are still in a server: stopping it under them logs failures that mean nothing.
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      for (const server of servers) await server.stop();
      await db.close();
    }
    if (profileDir) printProfile(profileDir, dialect);
    return { dialect, settings: db.settings };
  }

  env.loadAfter = loadavg().map((x) => x.toFixed(2)).join(' ');
  const report = renderHttpReport({
    env,
    samples,
    routes,
    servers: names,
    rounds,
    connections,
    seconds,
    warmupSeconds,
    contracts: data.contracts.length,
    users: data.users.length,
    dialects: runs,
    profiled: profile,
    wallSeconds: (Date.now() - started) / 1000,
  });
  writeFileSync(out, report);
  log(`report written to ${out}`);
}

/** A package of bench/http-peers' own install (TypeORM), which the root cannot resolve. */
function peerVersion(pkg: string): string {
  try {
    return JSON.parse(readFileSync(join(HTTP_PEERS_DIR, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
