import type { Env } from 'contractdesk';
import { ConfigError } from 'contractdesk';

/**
 * METRICS_ENABLED, METRICS_PORT, METRICS_HOST. The series are served only on a listener of their own (default
 * 127.0.0.1:9464), never on the public port: see docs/operations.md "Metrics" for why.
 */
export type MetricsSettings = { enabled: false } | { enabled: true; port: number; host: string };

/** The port OpenTelemetry's Prometheus exporter listens on by default, so a scrape config written for it fits. */
export const DEFAULT_METRICS_PORT = 9464;

export function readMetricsSettings(env: Env, appPort: number): MetricsSettings {
  const enabled = env.METRICS_ENABLED?.trim().toLowerCase();
  if (!enabled || enabled === 'false' || enabled === '0') return { enabled: false };
  if (enabled !== 'true' && enabled !== '1') {
    throw new ConfigError('CONFIG.INVALID_VALUE', `METRICS_ENABLED must be true or false, got "${env.METRICS_ENABLED}"`);
  }
  const raw = env.METRICS_PORT?.trim();
  if (raw && (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535)) {
    throw new ConfigError('CONFIG.INVALID_VALUE', `METRICS_PORT must be a whole number from 0 to 65535, got "${env.METRICS_PORT}"`);
  }
  const port = raw ? Number(raw) : DEFAULT_METRICS_PORT;
  // 0 asks the system for a free port (tests), which can never collide with the app's.
  if (port !== 0 && port === appPort) {
    throw new ConfigError('CONFIG.INVALID_VALUE', `METRICS_PORT must differ from PORT (${appPort}): the metrics are not served on the public listener`);
  }
  return { enabled: true, port, host: env.METRICS_HOST?.trim() || '127.0.0.1' };
}
