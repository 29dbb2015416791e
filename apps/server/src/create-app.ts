import 'reflect-metadata';
import { type LogLevel, Logger, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { MikroORM, type Options } from '@mikro-orm/core';
import type { Env } from 'contractdesk';
import type { DestinationStream } from 'pino';
import { BadRequestException, type DynamicModule, Module } from '@nestjs/common';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { assertOrmDatabaseExists } from 'contractdesk/internal';
import { AppModule } from './app.module';
import { EdgeModule } from './auth/edge.module';
import { requestIdentifier, requestIds } from './http/request-id';
import { requireJsonBody } from './http/body-guard';
import { HttpErrorFilter, sendHttpError } from './http/error-filter';
import { fromFastify } from './http/http-types';
import { parseJsonBodies } from './http/json-body';
import { type MetricsEndpoint, installMetrics } from './metrics/metrics-endpoint';
import { registerSecurityHeaders, securityHeaders as helmetHeaders } from './http/security-headers';
import { buildOpenApiDocument, serveOpenApi } from './openapi';
import { type AppSettings, readSettings } from './settings';
import { type AppLogger, createAppLogger } from './logging/logger';
import type { LogLevelName } from './logging/log-settings';
import { PinoNestLogger } from './logging/nest-logger';
import { ormLogOptions } from './logging/orm-log';
import { startTracing } from './tracing/tracing';

export interface CreateAppOptions {
  /** Nest logger: `false` for silence (tests), a list of levels, or a LoggerService. Default: Nest's lines through `log`. */
  logger?: LoggerService | LogLevel[] | false;
  /** The app's logger. Default: one from LOG_FORMAT/LOG_LEVEL writing to `logDestination`; silent with `logger: false` and no destination. */
  log?: AppLogger;
  /** Where the default logger writes (stdout by default); tests pass a stream to read the lines. */
  logDestination?: DestinationStream;
}

export interface ContractDeskApp {
  app: NestFastifyApplication;
  settings: AppSettings;
  orm: MikroORM;
  /** Present when METRICS_ENABLED: its own listener, which the caller opens next to the app's. */
  metrics: MetricsEndpoint | undefined;
}

/**
 * Builds the HTTP application from an environment, without listening. main.ts, the e2e tests and the load
 * script all start the service through here, so they run exactly the same wiring.
 */
export async function createApp(env: Env, options: CreateAppOptions = {}): Promise<ContractDeskApp> {
  const settings = readSettings(env);
  const log = options.log ?? createAppLogger({ ...settings.log, level: appLogLevel(options, settings.log.level) }, options.logDestination);
  const tracing = startTracing(settings.tracing, env);
  const httpLogger = new Logger('HttpErrorFilter');
  const identify = requestIdentifier(log);
  const securityHeaders = helmetHeaders();
  const adapter = new FastifyAdapter({
    // A URL find-my-way cannot decode ('%E0%A4%A'): Fastify would answer with the URL in its text, and
    // before any hook runs, so the request id and helmet's headers every other answer carries are set here.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      identify(request, reply);
      securityHeaders.apply(reply.raw);
      const { req, res } = fromFastify(request, reply);
      sendHttpError(error.statusCode === 400 ? new BadRequestException() : error, req, res, httpLogger);
    },
    // As Express routed: /users/ is /users, paths are not case-sensitive, and a path parameter is as long
    // as the request line allows (find-my-way's default cut-off, 100 characters, answers 414).
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 16_384 },
    // While closing, Fastify would answer a request on a kept-alive connection with its own 503 body (not
    // our error shape); it is served instead, as before, and GracefulShutdown bounds the wait.
    return503OnClosing: false,
    // node:http's own defaults, which the Express app ran with; Fastify's (72 s keep-alive, no request
    // timeout) would keep idle sockets 14 times longer and let a slow sender hold a request open forever.
    keepAliveTimeout: 5_000,
    requestTimeout: 300_000,
  });
  const app = await NestFactory.create<NestFastifyApplication>(HostModule.register(settings, ormLogOptions(log, env, tracing)), adapter, {
    // Our own JSON parser below, so its errors get our codes instead of framework text.
    bodyParser: false,
    abortOnError: false,
    logger: options.logger === undefined || Array.isArray(options.logger) ? new PinoNestLogger(log) : options.logger,
  });
  const fastify = app.getHttpAdapter().getInstance();
  requestIds(fastify, identify);
  if (tracing) {
    tracing.instrument(fastify);
    fastify.addHook('onClose', () => tracing.shutdown());
  }
  // Security headers for every answer (errors included); the API serves JSON only, so the strict defaults fit.
  registerSecurityHeaders(fastify, securityHeaders);
  // No CORS headers unless origins are configured: browsers then refuse cross-origin reads of our answers.
  if (settings.corsOrigins.length > 0) {
    app.enableCors({
      origin: settings.corsOrigins,
      allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'X-Request-Id'],
      exposedHeaders: ['ETag', 'Retry-After', 'X-Request-Id'],
      maxAge: 600,
    });
  }
  // No ETag or X-Powered-By to turn off: Fastify sends neither; our only entity tags are contract versions.
  requireJsonBody(fastify, httpLogger);
  parseJsonBodies(fastify);
  app.useGlobalFilters(new HttpErrorFilter());
  serveOpenApi(app, buildOpenApiDocument(app));
  const orm = app.get(MikroORM);
  const metrics = settings.metrics.enabled ? installMetrics(fastify, orm, settings.metrics) : undefined;
  try {
    // Before anything listens or migrates: a mistyped database name stops the start (CONFIG.DATABASE_NOT_FOUND).
    await assertOrmDatabaseExists(orm);
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return { app, settings, orm, metrics };
}

/**
 * What `logger` asked of Nest applies to the app's own lines too: `false` silences them (tests), a list of Nest levels
 * (`['error']`, the benchmarks) sets the threshold; with a destination to read, or none of these, LOG_LEVEL decides.
 */
function appLogLevel(options: CreateAppOptions, configured: LogLevelName): LogLevelName {
  if (options.logDestination || options.logger === undefined || (options.logger !== false && !Array.isArray(options.logger))) return configured;
  if (options.logger === false) return 'silent';
  const levels = new Set<string>(options.logger);
  return NEST_TO_PINO.find(([nest]) => levels.has(nest))?.[1] ?? 'silent';
}

/** Nest's levels, most verbose first, and pino's names for them. */
const NEST_TO_PINO: ReadonlyArray<readonly [LogLevel, LogLevelName]> = [
  ['verbose', 'trace'],
  ['debug', 'debug'],
  ['log', 'info'],
  ['warn', 'warn'],
  ['error', 'error'],
  ['fatal', 'fatal'],
];

/**
 * The application module plus the edge (token verification, rate limits), composed here so the edge
 * wiring stays out of the application module's file.
 */
@Module({})
class HostModule {
  static register(settings: AppSettings, orm: Partial<Options>): DynamicModule {
    return { module: HostModule, imports: [AppModule.register(settings, orm), EdgeModule.register(settings)] };
  }
}

/** Applies pending migrations (the same Migrator as `npx mikro-orm migration:up`); returns their names. */
export async function migrateOnStart(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
