import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The side of the parent ⇄ server protocol that runs in each server's own process: report the port once
 * listening on loopback, stop cleanly when told (a clean exit is what writes a --cpu-prof profile).
 */
export interface ServerConfig {
  /** The app's environment (database, auth); the floors read DB_PATH / DATABASE_URL from it. */
  env: Record<string, string>;
}

export function childConfig(): ServerConfig {
  const raw = process.env.BENCH_HTTP_CHILD;
  if (!raw || !process.send) throw new Error('a bench:http server runs as a child of bench/http/run');
  return JSON.parse(raw) as ServerConfig;
}

/** Tells the parent the port of a server already listening on 127.0.0.1, and waits for its stop. */
export function announce(server: Server, close: () => Promise<void>): void {
  process.on('message', (message: { cmd?: string }) => {
    if (message?.cmd !== 'stop') return;
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`[bench:http] server stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
  // An orphan would keep a port and a database open: go when the parent does.
  process.on('disconnect', () => process.exit(0));
  process.send!({ port: (server.address() as AddressInfo).port });
}
