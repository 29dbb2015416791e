import 'reflect-metadata';
import type { LogLevel, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { MikroORM } from '@mikro-orm/core';
import type { Env } from '../config/backend';
import { assertOrmDatabaseExists } from '../db/database-exists';
import { AppModule } from './app.module';
import { HttpErrorFilter, toHttpError } from './http/error-filter';
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
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(settings), {
    // Our own JSON parser below, so its errors get our codes instead of body-parser's text.
    bodyParser: false,
    abortOnError: false,
    logger: options.logger ?? undefined,
  });
  app.disable('x-powered-by');
  // Express would tag every JSON body with a weak hash; our only entity tags are contract versions.
  app.set('etag', false);
  app.useBodyParser('json', { limit: '64kb' });
  // Express error middleware right after the parser: malformed JSON never reaches a route.
  app.use((error: unknown, _req: HttpRequest, res: HttpResponse, _next: (e?: unknown) => void) => {
    const mapped = toHttpError(error);
    for (const [name, value] of Object.entries(mapped.headers)) res.setHeader(name, value);
    res.status(mapped.status).json(mapped.body);
  });
  app.useGlobalFilters(new HttpErrorFilter());
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

/** Applies pending migrations (the same Migrator as `npx mikro-orm migration:up`); returns their names. */
export async function migrateOnStart(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
