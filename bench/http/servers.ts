import { type ChildProcess, fork } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { ServerConfig } from './child';
import { workspaceRoot } from '../../apps/server/src/paths';

/** The peers' package: its own package.json, lock and tsconfig, installed with `npm --prefix bench/http-peers ci`. */
export const HTTP_PEERS_DIR = join(workspaceRoot, 'bench', 'http-peers');

export type ServerName = 'app' | 'app-b' | 'nest' | 'nest-fastify' | 'node' | 'typeorm' | 'mikro-orm';

/** The peers: the same routes, auth and body written on Nest + Fastify without ContractDesk (bench/http-peers). */
export const PEERS = ['typeorm', 'mikro-orm'] as const satisfies readonly ServerName[];
export const isPeer = (name: ServerName): boolean => (PEERS as readonly ServerName[]).includes(name);

/** The bare route on the adapter the app runs on: the floor its ratio and target are taken against. */
export const APP_FLOOR: ServerName = 'nest-fastify';

export function serverTitle(name: ServerName): string {
  switch (name) {
    case 'app':
      return 'ContractDesk app (createApp)';
    case 'app-b':
      return `ContractDesk app, other build (${process.env.BENCH_HTTP_APP_B_LABEL?.trim() || appBDist()})`;
    case 'nest':
      return 'bare NestJS route (Express), constant';
    case 'nest-fastify':
      return 'bare NestJS route (Fastify), constant';
    case 'node':
      return 'node:http + driver';
    case 'typeorm':
      return 'peer: NestJS (Fastify) + TypeORM';
    case 'mikro-orm':
      return 'peer: NestJS (Fastify) + MikroORM';
  }
}

/** Constant answers: their bodies are not about the contract asked for, so they are not checked. */
export const isConstant = (name: ServerName): boolean => name === 'nest' || name === 'nest-fastify';

const SCRIPTS: Record<Exclude<ServerName, 'app-b' | (typeof PEERS)[number]>, string> = { app: 'app-server', nest: 'nest-floor', 'nest-fastify': 'nest-fastify-floor', node: 'node-floor' };

/**
 * `app-b` is another compiled build of the app (say the main branch's, to measure a change side by side with
 * it in one run): BENCH_HTTP_APP_B_DIST names its dist directory, whose bench/http/app-server.js is started.
 */
function appBDist(): string {
  const dist = process.env.BENCH_HTTP_APP_B_DIST?.trim();
  if (!dist) throw new Error('the app-b server needs BENCH_HTTP_APP_B_DIST: the dist directory of another build of the app');
  return resolve(dist);
}

function scriptOf(name: ServerName, ts: boolean): { script: string; ts: boolean } {
  if (name === 'app-b') return { script: join(appBDist(), 'bench', 'http', 'app-server.js'), ts: false };
  // Always the compiled peers (run.ts builds them first): they resolve their own node_modules from there.
  if (name === 'typeorm' || name === 'mikro-orm') return { script: join(HTTP_PEERS_DIR, 'dist', 'bench', 'http-peers', 'src', name, 'main.js'), ts: false };
  return { script: join(__dirname, `${SCRIPTS[name]}${ts ? '.ts' : '.js'}`), ts };
}

export interface RunningServer {
  name: ServerName;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts one server in its own process (compiled JS under dist/, or TypeScript through ts-node) and waits for
 * its port. `execArgv` carries e.g. --cpu-prof for the app.
 */
export function startServer(name: ServerName, config: ServerConfig, execArgv: string[] = []): Promise<RunningServer> {
  const { script, ts } = scriptOf(name, __filename.endsWith('.ts'));
  const env: NodeJS.ProcessEnv = { ...process.env, ...config.env, BENCH_HTTP_CHILD: JSON.stringify(config) };
  // The parent's own database settings must not leak into a server that was given the other dialect.
  if (!config.env.DATABASE_URL) delete env.DATABASE_URL;
  if (!config.env.DB_PATH) delete env.DB_PATH;
  const child: ChildProcess = fork(script, [], {
    env,
    execArgv: [...(ts ? ['-r', 'ts-node/register/transpile-only'] : []), ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const early = (code: number | null) => reject(new Error(`${name} server exited before listening (code ${code})`));
    child.once('exit', early);
    child.once('message', (message: { port: number }) => {
      child.off('exit', early);
      let stopping = false;
      // The cells then fail on connection errors; this line says which server went and how.
      child.once('exit', (code, signal) => {
        if (!stopping) process.stderr.write(`[bench:http] ${name} server exited during the run (code ${code}, signal ${signal})\n`);
      });
      resolve({
        name,
        url: `http://127.0.0.1:${message.port}`,
        pid: child.pid!,
        stop: () =>
          new Promise<void>((done) => {
            stopping = true;
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.send({ cmd: 'stop' });
          }),
      });
    });
  });
}
