import type { Env } from 'contractdesk';
import { type PushEndpointPolicy, pushPolicyFromEnv } from 'contractdesk';
import { validate } from 'contractdesk';
import { ConfigError, DomainError } from 'contractdesk';
import { type AuthSettings, readAuthSettings } from './auth/auth-settings';
import { type LogSettings, readLogSettings } from './logging/log-settings';
import { readTracingSettings } from './tracing/tracing';
import { type MetricsSettings, readMetricsSettings } from './metrics/metrics-settings';

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
  /** Bearer-token verification (auth/auth-settings.ts). */
  auth: AuthSettings;
  /** Requests per window: writes per caller, registrations per client address; 0 turns a limit off. */
  throttle: { windowSeconds: number; writes: number; registrations: number };
  /** Origins allowed to call from a browser; empty = no CORS headers at all (browsers refuse cross-origin reads). */
  corsOrigins: string[];
  /** LOG_FORMAT, LOG_LEVEL (logging/log-settings.ts). */
  log: LogSettings;
  /** OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME; undefined = tracing off (tracing/tracing.ts). */
  tracing: ReturnType<typeof readTracingSettings>;
  /** Prometheus metrics on a listener of their own (metrics/metrics-settings.ts); off unless METRICS_ENABLED. */
  metrics: MetricsSettings;
}

export function readSettings(env: Env): AppSettings {
  const appPort = port(env.PORT);
  return {
    env,
    port: appPort,
    host: env.HOST?.trim() || undefined,
    migrateOnStart: flag('MIGRATE_ON_START', env.MIGRATE_ON_START, true),
    adminUserIds: adminIds(env.ADMIN_USER_IDS),
    pushPolicy: pushPolicyFromEnv(env),
    auth: readAuthSettings(env),
    throttle: {
      windowSeconds: count('THROTTLE_WINDOW_SECONDS', env.THROTTLE_WINDOW_SECONDS, 60, 1),
      writes: count('THROTTLE_WRITES', env.THROTTLE_WRITES, 120, 0),
      registrations: count('THROTTLE_REGISTRATIONS', env.THROTTLE_REGISTRATIONS, 10, 0),
    },
    corsOrigins: origins(env.CORS_ORIGINS),
    log: readLogSettings(env),
    tracing: readTracingSettings(env),
    metrics: readMetricsSettings(env, appPort),
  };
}

function count(name: string, raw: string | undefined, fallback: number, min: number): number {
  const value = raw?.trim();
  if (!value) return fallback;
  if (!/^\d{1,9}$/.test(value) || Number(value) < min) {
    throw new ConfigError('CONFIG.INVALID_VALUE', `${name} must be a whole number of at least ${min}`);
  }
  return Number(value);
}

/** Exact origins only (`https://app.example.com`): a wildcard would let any site read a caller's data. */
function origins(raw: string | undefined): string[] {
  const list: string[] = [];
  for (const part of (raw ?? '').split(',')) {
    const value = part.trim();
    if (!value) continue;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== value) {
      throw new ConfigError('CONFIG.INVALID_VALUE', 'CORS_ORIGINS must be a comma-separated list of origins like https://app.example.com');
    }
    list.push(value);
  }
  return list;
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
