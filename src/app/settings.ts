import type { Env } from '../config/backend';
import { type PushEndpointPolicy, pushPolicyFromEnv } from '../domain/push-endpoint';
import * as validate from '../domain/validation';
import { ConfigError, DomainError } from '../errors/domain-error';

/** What the HTTP host reads from the environment on top of the database settings (see docs/app.md). */
export interface AppSettings {
  env: Env;
  port: number;
  /** HOST: the address to bind; unset = every interface (IPv6 and IPv4). */
  host: string | undefined;
  migrateOnStart: boolean;
  /**
   * Operator-named administrators. When set, only they and holders of `roles.manage` administer roles;
   * when empty, role administration stays open to any registered user until someone holds `roles.manage`.
   */
  adminUserIds: ReadonlySet<string>;
  /** Web Push allowlist: the built-in push services plus PUSH_ALLOWED_HOSTS. */
  pushPolicy: PushEndpointPolicy;
}

export function readSettings(env: Env): AppSettings {
  return {
    env,
    port: port(env.PORT),
    host: env.HOST?.trim() || undefined,
    migrateOnStart: flag('MIGRATE_ON_START', env.MIGRATE_ON_START, true),
    adminUserIds: adminIds(env.ADMIN_USER_IDS),
    pushPolicy: pushPolicyFromEnv(env),
  };
}

function port(raw: string | undefined): number {
  const value = raw?.trim();
  if (!value) return 3000;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new ConfigError('CONFIG.INVALID_VALUE', `PORT must be a whole number from 0 to 65535, got "${raw}"`);
  }
  return Number(value);
}

function flag(name: string, raw: string | undefined, fallback: boolean): boolean {
  const value = raw?.trim().toLowerCase();
  if (!value) return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError('CONFIG.INVALID_VALUE', `${name} must be true or false, got "${raw}"`);
}

function adminIds(raw: string | undefined): ReadonlySet<string> {
  const ids = new Set<string>();
  for (const part of (raw ?? '').split(',')) {
    const id = part.trim();
    if (!id) continue;
    try {
      ids.add(validate.uuid('ADMIN_USER_IDS', id));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      throw new ConfigError('CONFIG.INVALID_VALUE', `ADMIN_USER_IDS must be a comma-separated list of user ids (UUIDs), got "${id}"`);
    }
  }
  return ids;
}
