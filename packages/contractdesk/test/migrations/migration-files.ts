import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Migration } from '@mikro-orm/migrations';
import { DOWN_TODO_MARKER } from '../../src/tools/migration-workflow';

/**
 * Why a PostgreSQL migration folder cannot be rolled back step by step: a migration after the initial one
 * (reverting that means dropping everything; restore a backup instead) without its own down(), or with the
 * placeholder migration:create writes when MikroORM's safe mode gave no reverse.
 */
export function postgresMigrationProblems(dir: string): string[] {
  const files = readdirSync(dir)
    .filter((f) => /^Migration\d+.*\.ts$/.test(f))
    .sort();
  const problems: string[] = [];
  for (const file of files.slice(1)) {
    const name = file.replace(/\.ts$/, '');
    const source = readFileSync(join(dir, file), 'utf8');
    const cls = Object.values(require(join(dir, file)) as Record<string, unknown>).find(
      (v): v is typeof Migration => typeof v === 'function' && v.prototype instanceof Migration,
    );
    if (!cls || cls.prototype.down === Migration.prototype.down) problems.push(`${name}: no down()`);
    else if (source.includes(DOWN_TODO_MARKER)) problems.push(`${name}: down() not written (${DOWN_TODO_MARKER})`);
  }
  return problems;
}
