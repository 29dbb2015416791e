import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { describeBackend, resolveBackend } from '../config/backend';
import { DomainError } from '../errors/domain-error';
import { createApp, migrateOnStart } from './create-app';

/**
 * `npm start`: build, then this. Migrates unless MIGRATE_ON_START=false, listens on PORT (default 3000),
 * and on SIGTERM/SIGINT stops accepting connections, lets in-flight requests finish, then closes the ORM.
 */
async function bootstrap(): Promise<void> {
  const logger = new Logger('ContractDesk');
  logger.log(describeBackend(resolveBackend(process.env)));
  const { app, settings, orm } = await createApp(process.env);
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
    const applied = await migrateOnStart(orm);
    logger.log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');
  } else {
    const pending = await orm.getMigrator().getPendingMigrations();
    if (pending.length) logger.warn(`MIGRATE_ON_START=false and ${pending.length} migration(s) are pending: /ready answers 503 until they are applied`);
  }
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen(settings.port);
  logger.log(`listening on ${await app.getUrl()}`);
}

bootstrap().catch((error: unknown) => {
  // Config and startup errors are DomainErrors with safe messages; anything else gets its stack.
  const text = error instanceof DomainError ? `${error.code}: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`[contractdesk] failed to start: ${text}\n`);
  process.exit(1);
});
