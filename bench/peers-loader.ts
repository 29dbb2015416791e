import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot as projectRoot } from '../apps/server/src/paths';
import type { PeersModule } from './impl/types';

/**
 * Kysely, Drizzle and TypeORM live in bench/peers with their own package.json, lock and tsconfig, so the
 * library's dependencies and the root build never see them. The bench installs and compiles them on demand
 * and loads the compiled module at run time.
 */
export const PEERS_DIR = join(projectRoot, 'bench', 'peers');
// tsc keeps the repository layout under bench/peers/dist (the peers import types from bench/impl), so the
// entry sits at dist/bench/peers/src; being under bench/peers, it resolves bench/peers/node_modules first.
const ENTRY = join(PEERS_DIR, 'dist', 'bench', 'peers', 'src', 'index.js');
export const PEERS_HOWTO = 'npm --prefix bench/peers ci && npm --prefix bench/peers run build';

function npm(args: string[]): void {
  // stdout to our stderr: the bench's stdout carries nothing, its log is stderr.
  execFileSync('npm', ['--prefix', PEERS_DIR, ...args], { stdio: ['ignore', 2, 2] });
}

/**
 * Installs bench/peers when its node_modules is missing (unless BENCH_PEERS_INSTALL=0), compiles it, and
 * loads it. Undefined (with one line saying how to get them) when that is not possible.
 */
export function preparePeers(log: (line: string) => void, env = process.env): PeersModule | undefined {
  try {
    if (!existsSync(join(PEERS_DIR, 'node_modules'))) {
      if (env.BENCH_PEERS_INSTALL === '0') {
        log(`peers (kysely, drizzle, typeorm) not installed; to include them: ${PEERS_HOWTO}`);
        return undefined;
      }
      log('peers: installing bench/peers (npm ci)');
      npm(['ci', '--no-audit', '--no-fund']);
    }
    npm(['run', 'build', '--silent']);
    return loadPeers();
  } catch (error) {
    log(`peers unavailable (${(error as Error).message.split('\n')[0]}); to include them: ${PEERS_HOWTO}`);
    return undefined;
  }
}

/** The compiled peers module (a W5 worker loads what its parent prepared). */
export function loadPeers(): PeersModule {
  return require(ENTRY) as PeersModule;
}

/** Installed versions of the peers, for the report's machine section. */
export function peerVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pkg of ['kysely', 'drizzle-orm', 'typeorm']) {
    try {
      out[pkg] = JSON.parse(readFileSync(join(PEERS_DIR, 'node_modules', pkg, 'package.json'), 'utf8')).version;
    } catch {
      out[pkg] = '?';
    }
  }
  return out;
}
