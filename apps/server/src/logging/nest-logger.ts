import type { LoggerService } from '@nestjs/common';
import type { AppLogger } from './logger';
import { redactText } from './redact';

/**
 * Nest's own lines (module set-up, route mapping, the services' Logger instances) in the app's format. The
 * trailing string Nest passes is the context (the class that logged), kept as a field.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: AppLogger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    // Nest logs every error thrown while it builds the module under "ExceptionHandler", with its stack, then
    // rethrows it: main.ts reports a start-up failure itself, once, in one line.
    if (rest[rest.length - 1] === 'ExceptionHandler') return;
    this.write('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', message: unknown, rest: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    // error(message, stack, context): the stack is the second-to-last string.
    const stack = level === 'error' && rest.length >= 2 && typeof rest[0] === 'string' ? redactText(rest[0]) : undefined;
    const fields = { context, stack };
    // pino's `redact` sees field names, not text inside an error's message or stack: scrubbed here.
    if (message instanceof Error) this.pino[level]({ ...fields, err: { type: message.name, stack: redactText(message.stack ?? '') } }, message.message);
    else if (typeof message === 'string') this.pino[level](fields, message);
    else this.pino[level]({ ...fields, data: message });
  }
}
