import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { ServerConfig } from './child';

export type ServerName = 'app' | 'nest' | 'node';

export const SERVER_TITLES: Record<ServerName, string> = {
  app: 'ContractDesk app (createApp)',
  nest: 'bare NestJS route (Express), constant',
  node: 'node:http + driver',
};

const SCRIPTS: Record<ServerName, string> = { app: 'app-server', nest: 'nest-floor', node: 'node-floor' };

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
  const ts = __filename.endsWith('.ts');
  const script = join(__dirname, `${SCRIPTS[name]}${ts ? '.ts' : '.js'}`);
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
