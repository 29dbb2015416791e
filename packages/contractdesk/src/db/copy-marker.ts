import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/knex';

/**
 * Present in a database from the moment db:copy starts filling it until the copy has been verified. A
 * database that still has it is half-copied (the copy was killed, lost its connection or failed verification).
 */
export const COPY_MARKER_TABLE = 'contractdesk_copy_state';

export async function hasCopyMarker(orm: MikroORM): Promise<boolean> {
  return (orm.em as SqlEntityManager).getKnex().schema.hasTable(COPY_MARKER_TABLE);
}
