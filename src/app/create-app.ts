import 'reflect-metadata';
import { type LogLevel, Logger, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { MikroORM } from '@mikro-orm/core';
import type { Env } from '../config/backend';
import { type DynamicModule, Module } from '@nestjs/common';
import helmet from 'helmet';
import { assertOrmDatabaseExists } from '../db/database-exists';
import { AppModule } from './app.module';
import { EdgeModule } from './auth/edge.module';
import { requestIds } from './http/request-id';
import { requireJsonBody } from './http/body-guard';
import { HttpErrorFilter, sendHttpError } from './http/error-filter';
import { buildOpenApiDocument, serveOpenApi } from './openapi';
import type { HttpRequest, HttpResponse } from './http/http-types';
import { type AppSettings, readSettings } from './settings';

export interface CreateAppOptions {
  /** Nest logger: `false` for silence (tests), a list of levels, or a LoggerService. Default: Nest's console logger. */
  logger?: LoggerService | LogLevel[] | false;
}

export interface ContractDeskApp {
  app: NestExpressApplication;
  settings: AppSettings;
  orm: MikroORM;
}

/**
 * Builds the HTTP application from an environment, without listening. main.ts, the e2e tests and the load
 * script all start the service through here, so they run exactly the same wiring.
 */
export async function createApp(env: Env, options: CreateAppOptions = {}): Promise<ContractDeskApp> {
  const settings = readSettings(env);
  const app = await NestFactory.create<NestExpressApplication>(HostModule.register(settings), {
    // Our own JSON parser below, so its errors get our codes instead of body-parser's text.
    bodyParser: false,
    abortOnError: false,
    logger: options.logger ?? undefined,
  });
  app.disable('x-powered-by');
  app.use(requestIds());
  // Security headers for every answer (errors included); the API serves JSON only, so the strict defaults fit.
  app.use(helmet());
  // No CORS headers unless origins are configured: browsers then refuse cross-origin reads of our answers.
  if (settings.corsOrigins.length > 0) {
    app.enableCors({
      origin: settings.corsOrigins,
      allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'X-Request-Id'],
      exposedHeaders: ['ETag', 'Retry-After', 'X-Request-Id'],
      maxAge: 600,
    });
  }
  // Express would tag every JSON body with a weak hash; our only entity tags are contract versions.
  app.set('etag', false);
  const httpLogger = new Logger('HttpErrorFilter');
  app.use(requireJsonBody(httpLogger));
  app.useBodyParser('json', { limit: '64kb' });
  // Express error middleware right after the parser: malformed or undecodable bodies never reach a route.
  app.use((error: unknown, req: HttpRequest, res: HttpResponse, _next: (e?: unknown) => void) => sendHttpError(error, req, res, httpLogger));
  app.useGlobalFilters(new HttpErrorFilter());
  serveOpenApi(app, buildOpenApiDocument(app));
  const orm = app.get(MikroORM);
  try {
    // Before anything listens or migrates: a mistyped database name stops the start (CONFIG.DATABASE_NOT_FOUND).
    await assertOrmDatabaseExists(orm);
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return { app, settings, orm };
}

/**
 * The application module plus the edge (token verification, rate limits), composed here so the edge
 * wiring stays out of the application module's file.
 */
@Module({})
class HostModule {
  static register(settings: AppSettings): DynamicModule {
    return { module: HostModule, imports: [AppModule.register(settings), EdgeModule.register(settings)] };
  }
}

/** Applies pending migrations (the same Migrator as `npx mikro-orm migration:up`); returns their names. */
export async function migrateOnStart(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
