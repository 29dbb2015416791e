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
  if (settings.adminUserIds.size === 0) {
    logger.warn('ADMIN_USER_IDS is not set: any registered user may administer roles until someone holds roles.manage');
  }
}

bootstrap().catch((error: unknown) => {
  // Config and startup errors are DomainErrors with safe messages; anything else gets its stack.
  const text = error instanceof DomainError ? `${error.code}: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`[contractdesk] failed to start: ${text}\n`);
  process.exit(1);
});
