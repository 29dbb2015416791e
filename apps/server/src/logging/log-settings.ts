import { ConfigError, type Env } from 'contractdesk';

export type LogFormat = 'json' | 'pretty';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export interface LogSettings {
  /** LOG_FORMAT; default json under NODE_ENV=production (log shippers parse it), pretty elsewhere. */
  format: LogFormat;
  /** LOG_LEVEL; default info. */
  level: LogLevelName;
}

export function readLogSettings(env: Env): LogSettings {
  const format = env.LOG_FORMAT?.trim().toLowerCase() || (env.NODE_ENV === 'production' ? 'json' : 'pretty');
  if (format !== 'json' && format !== 'pretty') {
    throw new ConfigError('CONFIG.INVALID_VALUE', `LOG_FORMAT must be json or pretty, got "${env.LOG_FORMAT}"`);
  }
  const level = env.LOG_LEVEL?.trim().toLowerCase() || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError('CONFIG.INVALID_VALUE', `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  }
  return { format, level: level as LogLevelName };
}
