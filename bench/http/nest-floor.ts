import 'reflect-metadata';
import { Controller, Get, HttpCode, Module, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { announce, childConfig } from './child';

/**
 * The framework floor: Nest on the same Express adapter as the app, the same two routes, a constant answer
 * (shaped like a contract) and nothing else: no guard, no database, no middleware of ours.
 */
const CONSTANT = {
  id: '00000000-0000-4000-a000-000000000000',
  title: 'Contract 0',
  clientId: '00000000-0000-4000-a000-000000000001',
  freelancerId: '00000000-0000-4000-a000-000000000002',
  amount: '1000000',
  currency: 'XLM',
  status: 'active',
  version: 2,
  createdAt: '2026-01-01T00:00:01.000Z',
  updatedAt: '2026-01-01T00:00:01.000Z',
};

@Controller('contracts')
class ConstantController {
  @Get(':id')
  get(@Param('id') _id: string) {
    return CONSTANT;
  }

  @Post(':id/transitions')
  @HttpCode(200)
  transition(@Param('id') _id: string) {
    return CONSTANT;
  }
}

@Module({ controllers: [ConstantController] })
class ConstantModule {}

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
