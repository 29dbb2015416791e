import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { announce, childConfig } from './child';
import { ConstantModule } from './nest-constant';

/** The framework floor on Nest's Express adapter (@nestjs/platform-express). */
async function main(): Promise<void> {
  childConfig();
  const app = await NestFactory.create<NestExpressApplication>(ConstantModule, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  announce(app.getHttpServer(), () => app.close());
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench:http] Nest floor failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
