import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/core';
import { replicaHealth } from 'contractdesk/internal';
import type { HttpReply as Response } from '../http/http-types';
import { HealthView, ReadyView } from '../dto/views';

/** Probes for orchestrators. Neither needs an identity; neither says more than "ok" or which check failed. */
@ApiTags('health')
@Controller()
export class HealthController {
  constructor(@Inject(MikroORM) private readonly orm: MikroORM) {}

  /** Liveness: the process answers. Deliberately no database call, so a database outage does not restart the app. */
  @Get('health')
  @ApiOperation({ summary: 'Liveness: the process answers (no database call)' })
  @ApiOkResponse({ type: HealthView, description: 'Alive' })
  health() {
    return { status: 'ok' };
  }

  /** Readiness: the database answers AND every migration shipped with this build is applied. */
  @Get('ready')
  @ApiOperation({ summary: 'Readiness: the database answers and no migration is pending' })
  @ApiOkResponse({ type: ReadyView, description: 'Ready' })
  @ApiResponse({
    status: 503,
    type: ReadyView,
    description: 'Not ready (database unreachable or migrations pending)',
    headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'string', pattern: '^[0-9]+$' } } },
  })
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
    if (!ready) res.status(503).header('Retry-After', '5');
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
