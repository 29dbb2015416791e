import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import type { MikroORM } from '@mikro-orm/core';
import { type Backend, describeBackend, resolveBackend } from 'contractdesk';
import { hasCopyMarker } from 'contractdesk/internal';
import { DatabaseStartupError, databaseStartupError, describeTarget } from 'contractdesk/internal';
import { DomainError, type ErrorKind, OperationError } from 'contractdesk';
import { createApp, migrateOnStart } from './create-app';
import { type LogSettings, readLogSettings } from './logging/log-settings';
import { type AppLogger, createAppLogger } from './logging/logger';
import { PinoNestLogger } from './logging/nest-logger';
import { redactText } from './logging/redact';

class StartupError extends OperationError {
  constructor(code: string, message: string, kind: ErrorKind = 'config', options?: { cause?: unknown }) {
    super(code, message, kind, options);
  }
}

/**
 * `npm start`: build, then this. Refuses a half-copied database, migrates unless MIGRATE_ON_START=false,
 * listens on HOST:PORT (default every interface, port 3000), and on SIGTERM/SIGINT stops accepting
 * connections, lets in-flight requests finish, closes the ORM and says so.
 */
async function bootstrap(backend: Backend, log: AppLogger): Promise<void> {
  // Every Nest Logger, these start-up lines included, writes through the app's logger: one format throughout.
  Logger.overrideLogger(new PinoNestLogger(log));
  const logger = new Logger('ContractDesk');
  logger.log(describeBackend(backend));
  const { app, settings, orm, metrics } = await createApp(process.env, { log });
  await refuseHalfCopied(orm, backend);
  const keys = settings.auth.keys;
  if (keys.kind === 'development') {
    // Loud on purpose: anyone who can read this file can sign in as anybody.
    const banner = '!'.repeat(78);
    logger.warn(banner);
    logger.warn(`DEVELOPMENT AUTH IS ON: tokens are signed with ${keys.keyFile}${keys.created ? ' (just created)' : ''}.`);
    logger.warn('Anyone who can read that file can act as any user. Mint a token: npm run token -- <subject>');
    logger.warn('For real users set AUTH_JWT_SECRET or AUTH_JWKS_URL (NODE_ENV=production refuses to start without).');
    logger.warn(banner);
  } else {
    logger.log(`bearer tokens verified with ${keys.kind === 'jwks' ? `the key set at ${keys.url.origin}` : 'AUTH_JWT_SECRET (HS256)'}`);
  }
  if (settings.migrateOnStart) {
    const applied = await migrateOnStart(orm).catch((error: unknown) => {
      throw databaseStartupError(error, backend) ?? migrationFailed(error);
    });
    logger.log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');
  } else {
    const pending = await orm.getMigrator().getPendingMigrations();
    if (pending.length) logger.warn(`MIGRATE_ON_START=false and ${pending.length} migration(s) are pending: /ready answers 503 until they are applied`);
  }
  stopOnSignals(app, logger);
  if (metrics && settings.metrics.enabled) {
    // Before the API: a taken metrics port stops the start before any traffic arrives.
    const { host, port } = settings.metrics;
    const bound = await metrics.listen().catch((error: unknown) => {
      throw cannotListen(error, host, port, { port: 'METRICS_PORT', host: 'METRICS_HOST' });
    });
    logger.log(`metrics at ${boundAddress(bound)}/metrics`);
  }
  await listen(app, settings.port, settings.host).catch((error: unknown) => {
    throw cannotListen(error, settings.host, settings.port);
  });
  logger.log(`listening on ${boundAddress(app.getHttpServer().address() as AddressInfo)}`);
}

/**
 * Without HOST, every interface, as node:http binds by default: Fastify alone would bind localhost only.
 * '::' takes IPv4 too (dual stack); a machine without IPv6 gets '0.0.0.0'.
 */
async function listen(app: { listen(port: number, host: string): Promise<unknown> }, port: number, host: string | undefined): Promise<void> {
  if (host !== undefined) return void (await app.listen(port, host));
  try {
    await app.listen(port, '::');
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    if (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL') throw error;
    await app.listen(port, '0.0.0.0');
  }
}

async function refuseHalfCopied(orm: MikroORM, backend: Backend): Promise<void> {
  if (!(await hasCopyMarker(orm))) return;
  await orm.close(true);
  throw new DatabaseStartupError(
    'DB.COPY_UNFINISHED',
    `${describeTarget(backend)}: holds an unfinished or unverified db:copy (table contractdesk_copy_state)`,
    'config',
    'run the same npm run db:copy again until it reports OK, or point the app at another database',
  );
}

function migrationFailed(error: unknown): StartupError {
  // Umzug names the migration first ("Migration… (up) failed"); the rest can quote SQL and stays on `cause`.
  const name = error instanceof Error ? /Migration\w+/.exec(error.message)?.[0] : undefined;
  return new StartupError(
    'MIGRATION.FAILED',
    `${name ?? 'a migration'} failed; nothing was applied (pending migrations run all-or-nothing). Fix: run DB_DEBUG=true npx mikro-orm migration:up to see the failing statement, or start with MIGRATE_ON_START=false`,
    'config',
    { cause: error },
  );
}

function cannotListen(error: unknown, host: string | undefined, port: number, names = { port: 'PORT', host: 'HOST' }): StartupError {
  const code = (error as { code?: unknown })?.code;
  const where = `${host ?? 'every interface'} port ${port}`;
  const why =
    code === 'EADDRINUSE' ? 'the port is in use' : code === 'EACCES' ? 'permission denied (ports below 1024 need privileges)' : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' ? `${names.host} is not an address of this machine` : 'the socket could not be opened';
  return new StartupError('SERVER.CANNOT_LISTEN', `cannot listen on ${where}: ${why}. Fix: choose another ${names.port} or ${names.host}`, 'config', { cause: error });
}

/** What the socket is really bound to; an unspecified address means every interface, which `getUrl()` hides. */
function boundAddress(address: AddressInfo): string {
  const host = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  const everywhere = address.address === '::' || address.address === '0.0.0.0';
  return `http://${host}:${address.port}${everywhere ? ' (all interfaces)' : ''}`;
}

function stopOnSignals(app: { close(signal?: string): Promise<void> }, logger: Logger): void {
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      const started = Date.now();
      // close() runs GracefulShutdown (drains requests), stops the listener and closes the ORM.
      app.close(signal).then(
        () => {
          logger.log(`stopped after ${signal} in ${Date.now() - started} ms: requests finished, database closed`);
          process.exit(0);
        },
        (error: unknown) => {
          logger.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
          process.exit(1);
        },
      );
    });
  }
}

/** The one line an operator sees when start-up fails; a stack only for what nobody anticipated (a bug). */
function failureLine(error: unknown, backend: Backend | undefined): string {
  const known = error instanceof DomainError ? error : backend ? databaseStartupError(error, backend) : undefined;
  if (known instanceof DatabaseStartupError) return known.line();
  if (known) return `${known.code}: ${known.message}`;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Start-up failures stay on stderr; under LOG_FORMAT=json as a JSON line like every other. */
function reportFailure(line: string, logSettings: LogSettings | undefined): void {
  if (logSettings?.format === 'json') createAppLogger({ ...logSettings, level: 'fatal' }, 2).fatal(`failed to start: ${line}`);
  else process.stderr.write(`[contractdesk] failed to start: ${redactText(line)}\n`);
}

let backend: Backend | undefined;
let logSettings: LogSettings | undefined;
Promise.resolve()
  .then(() => {
    logSettings = readLogSettings(process.env);
    backend = resolveBackend(process.env);
    return bootstrap(backend, createAppLogger(logSettings));
  })
  .catch((error: unknown) => {
    reportFailure(failureLine(error, backend), logSettings);
    process.exit(1);
  });
