import { type Backend, type Env, OperationError, initOrm, resolveBackend } from 'contractdesk';
import { hasCopyMarker } from 'contractdesk/internal';
import { migrateOnStart } from '../../src/create-app';
import { readSettings } from '../../src/settings';
import { hasLocalKeys, mintToken } from '../mint-token';
import { type SeedReport, seedDemoData } from './seed-demo-data';

/** `npm run db:seed` refused to run; `code` says why (SEED.REFUSED_IN_PRODUCTION, SEED.MIGRATIONS_PENDING, …). */
export class SeedError extends OperationError {}

/** Long enough for a day of trying the API; these are development tokens only. */
export const SEED_TOKEN_TTL_SECONDS = 86_400;

export type SeedTokens =
  /** Development auth: a token per seeded user, signed with the development key the app reads. */
  | { kind: 'minted'; keyFile: string; bySubject: Map<string, string> }
  /** AUTH_JWT_SECRET: `npm run token -- <subject>` signs with it. */
  | { kind: 'secret' }
  /** AUTH_JWKS_URL: only the identity provider signs; it must issue tokens for the seeded subjects. */
  | { kind: 'jwks' };

export interface SeedOutcome {
  backend: Backend;
  /** Migrations this run applied before seeding. */
  appliedMigrations: string[];
  report: SeedReport;
  tokens: SeedTokens;
}

/**
 * Seeds the database the environment names, as the app would open it: the same settings are validated, and the
 * schema is migrated first unless MIGRATE_ON_START=false (then pending migrations are refused, as /ready would).
 * Refused under NODE_ENV=production before anything is opened, so not even a SQLite file is created.
 */
export async function runSeed(env: Env, log: (line: string) => void = () => undefined): Promise<SeedOutcome> {
  if (env.NODE_ENV === 'production') {
    throw new SeedError('SEED.REFUSED_IN_PRODUCTION', 'db:seed writes demo users with development tokens: refused under NODE_ENV=production', 'config');
  }
  const settings = readSettings(env);
  const backend = resolveBackend(env);
  const orm = await initOrm({ env, log });
  try {
    if (await hasCopyMarker(orm)) {
      throw new SeedError('DB.COPY_UNFINISHED', 'the database holds an unfinished db:copy: finish the copy (or choose another database) before seeding', 'config');
    }
    let appliedMigrations: string[] = [];
    if (settings.migrateOnStart) {
      appliedMigrations = await migrateOnStart(orm);
    } else {
      const pending = await orm.migrator.getPendingMigrations();
      if (pending.length) {
        throw new SeedError(
          'SEED.MIGRATIONS_PENDING',
          `MIGRATE_ON_START=false and ${pending.length} migration(s) are pending: run npm run db:migrate -- up first, or unset MIGRATE_ON_START`,
          'config',
        );
      }
    }
    const report = await seedDemoData(orm.em);
    return { backend, appliedMigrations, report, tokens: await tokensFor(settings.auth, report) };
  } finally {
    await orm.close(true);
  }
}

async function tokensFor(auth: ReturnType<typeof readSettings>['auth'], report: SeedReport): Promise<SeedTokens> {
  if (!hasLocalKeys(auth)) return { kind: 'jwks' };
  if (auth.keys.kind === 'secret') return { kind: 'secret' };
  const bySubject = new Map<string, string>();
  for (const user of report.users) bySubject.set(user.subject, await mintToken(auth, user.subject, SEED_TOKEN_TTL_SECONDS));
  return { kind: 'minted', keyFile: auth.keys.keyFile, bySubject };
}
