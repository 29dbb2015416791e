/**
 * One app instance starting as main.ts does (createApp, migrate on start, listen), held at a barrier so that
 * several processes migrate at the same moment. Prints READY, waits for a stdin line, then
 * STARTED <json list of the migrations this instance applied>.
 */
import 'reflect-metadata';
import { runWorker, waitForRelease } from '../../../../../packages/contractdesk/test/helpers/worker';
import { createApp, migrateOnStart } from '../../../src/create-app';

async function main(): Promise<void> {
  const { app, settings, orm } = await createApp(process.env, { logger: false });
  try {
    await waitForRelease();
    const applied = settings.migrateOnStart ? await migrateOnStart(orm) : [];
    await app.listen(0, '127.0.0.1');
    process.stdout.write(`STARTED ${JSON.stringify(applied)}\n`);
  } finally {
    await app.close();
  }
}

runWorker(main);
