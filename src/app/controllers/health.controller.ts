import { Controller, Get, Inject, Res } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/core';
import { replicaHealth } from '../../db/replicas';
import type { HttpResponse as Response } from '../http/http-types';

/** Probes for orchestrators. Neither needs an identity; neither says more than "ok" or which check failed. */
@Controller()
export class HealthController {
  constructor(@Inject(MikroORM) private readonly orm: MikroORM) {}

  /** Liveness: the process answers. Deliberately no database call, so a database outage does not restart the app. */
  @Get('health')
  health() {
    return { status: 'ok' };
  }

  /** Readiness: the database answers AND every migration shipped with this build is applied. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) res: Response) {
    const database = await this.orm.checkConnection().catch(() => ({ ok: false }));
    let pendingMigrations: number | null = null;
    if (database.ok) {
      pendingMigrations = await this.orm
        .getMigrator()
        .getPendingMigrations()
        .then((list) => list.length)
        .catch(() => null);
    }
    const ready = database.ok && pendingMigrations === 0;
    if (!ready) res.status(503).setHeader('Retry-After', '5');
    // Reported, not decisive: reads fall back to the primary while a replica is down.
    const replicas = await replicaHealth(this.orm);
    return {
      status: ready ? 'ready' : 'not_ready',
      database: database.ok ? 'ok' : 'unreachable',
      pendingMigrations,
      ...(replicas.length ? { replicas } : {}),
    };
  }
}
