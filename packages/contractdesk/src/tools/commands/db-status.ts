import 'reflect-metadata';
import { migrationStatus } from '../migration-workflow';
import { EXIT, runCommand } from './run';

/**
 * npm run db:status — for the database DATABASE_URL / DB_PATH point at: applied and pending migrations, and
 * whether entities, committed snapshot and live schema agree. Exit 0 only when all is in order, 1 when
 * anything is pending or drifted (including a database that was never migrated), 2/3 when it cannot tell.
 */
runCommand('db:status', process.env, async () => {
  const status = await migrationStatus(process.env);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const yesNo = (v: boolean | string) => (v === true ? 'yes' : v === false ? 'NO' : v);
  out(status.target);
  out(`migration table: ${status.exists ? (status.initialised ? 'present' : 'MISSING (never migrated)') : 'MISSING (the database file does not exist)'}`);
  out(`applied (${status.executed.length}): ${status.executed.join(', ') || '-'}`);
  out(`pending (${status.pending.length}): ${status.pending.join(', ') || '-'}`);
  if (status.unknown.length) out(`unknown to this build (${status.unknown.length}): ${status.unknown.join(', ')}`);
  out(`entities match the committed snapshot: ${yesNo(status.entitiesMatchSnapshot)}`);
  out(`database schema matches the entities: ${yesNo(status.databaseMatchesEntities)}`);
  if (status.ok) {
    out('status: OK');
    return EXIT.ok;
  }
  out(`status: NOT OK — ${status.problems.join('; ')}`);
  return EXIT.notOk;
});
