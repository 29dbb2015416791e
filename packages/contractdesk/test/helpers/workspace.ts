import { join } from 'node:path';
import { projectRoot } from '../../src/config/paths';

/** The repository root (npm workspace): its node_modules holds the tools (mikro-orm CLI, ts-node), hoisted there. */
export const workspaceRoot = join(projectRoot, '..', '..');
