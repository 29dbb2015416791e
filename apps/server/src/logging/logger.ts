import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogSettings } from './log-settings';
import { REDACT_PATHS, redactText } from './redact';

export type AppLogger = Logger;

/**
 * The app's one logger: JSON lines (pino's own format, time as ISO 8601) or, for a developer's terminal, the
 * same lines through pino-pretty. `destination` defaults to stdout; tests pass a stream to read the lines.
 */
export function createAppLogger(settings: LogSettings, destination?: DestinationStream | number): AppLogger {
  const stream = settings.format === 'pretty' ? prettyStream(destination) : typeof destination === 'object' ? destination : pino.destination({ fd: destination ?? 1, sync: true });
  return pino(
    {
      level: settings.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACT_PATHS], censor: '[REDACTED]' },
      hooks: {
        // Free text (messages, interpolated strings) can quote a URL or a header: scrubbed before it is written.
        logMethod(args, method) {
          for (let i = 0; i < args.length; i++) if (typeof args[i] === 'string') args[i] = redactText(args[i] as string);
          method.apply(this, args);
        },
      },
    },
    stream,
  );
}

function prettyStream(destination: DestinationStream | number | undefined): DestinationStream {
  // Loaded only for the pretty format: production (JSON) never pays for it.
  const pretty = require('pino-pretty') as typeof import('pino-pretty');
  const fd = typeof destination === 'number' ? destination : 1;
  return pretty.build({
    destination: typeof destination === 'object' ? destination : fd,
    sync: true,
    colorize: typeof destination !== 'object' && !process.env.NO_COLOR && process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    singleLine: true,
  });
}
