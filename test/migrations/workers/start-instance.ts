/**
 * One app instance starting as main.ts does (createApp, migrate on start, listen), held at a barrier so that
 * several processes migrate at the same moment. Prints READY, waits for a stdin line, then
 * STARTED <json list of the migrations this instance applied>.
 */
import 'reflect-metadata';
import { createApp, migrateOnStart } from '../../../src/app/create-app';

async function main(): Promise<void> {
  const { app, settings, orm } = await createApp(process.env, { logger: false });
  try {
    process.stdout.write('READY\n');
    await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
    process.stdin.destroy();
    const applied = settings.migrateOnStart ? await migrateOnStart(orm) : [];
    await app.listen(0, '127.0.0.1');
    process.stdout.write(`STARTED ${JSON.stringify(applied)}\n`);
  } finally {
    await app.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
