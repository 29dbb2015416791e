import 'reflect-metadata';
import { createApp } from '../../apps/server/src/create-app';
import { announce, childConfig } from './child';

/** The real application, wired exactly as main.ts wires it (createApp), on a database the parent migrated and seeded. */
async function main(): Promise<void> {
  const { env } = childConfig();
  const { app } = await createApp(env, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  announce(app.getHttpServer(), () => app.close());
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench:http] app server failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
