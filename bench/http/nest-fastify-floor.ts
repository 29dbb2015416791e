import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { announce, childConfig } from './child';
import { ConstantModule } from './nest-constant';

/** The framework floor on Nest's Fastify adapter (@nestjs/platform-fastify), with the adapter's defaults. */
async function main(): Promise<void> {
  childConfig();
  const app = await NestFactory.create<NestFastifyApplication>(ConstantModule, new FastifyAdapter(), { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  announce(app.getHttpServer(), () => app.close());
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench:http] Nest Fastify floor failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
