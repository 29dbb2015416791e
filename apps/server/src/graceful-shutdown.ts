import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';

/** How long in-flight requests get once shutdown starts before their connections are cut. */
export const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Nest's close stops the listener and waits for every connection to end, then (MikroOrmModule's
 * onApplicationShutdown) closes the ORM. Keep-alive connections would hold that wait for the whole
 * keep-alive timeout, so idle ones are closed as soon as they become idle; a request still running after
 * the grace period has its connection cut so a stuck client cannot block shutdown forever.
 */
@Injectable()
export class GracefulShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');

  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  beforeApplicationShutdown(signal?: string): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server?.listening) return;
    if (signal) this.logger.log(`${signal}: finishing in-flight requests, then closing the database`);
    const sweep = setInterval(() => server.closeIdleConnections(), 25).unref();
    const deadline = setTimeout(() => {
      this.logger.warn(`requests still running after ${SHUTDOWN_GRACE_MS} ms: closing their connections`);
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS).unref();
    server.once('close', () => {
      clearInterval(sweep);
      clearTimeout(deadline);
    });
  }
}
