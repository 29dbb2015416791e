import { Controller, Get, HttpCode, Module, Param, Post } from '@nestjs/common';

/**
 * The framework floor's module: the app's two routes answering a constant (shaped like a contract) and
 * nothing else: no guard, no database, no middleware of ours. nest-floor (Express) and nest-fastify-floor
 * mount the same module, so the two adapters are measured on identical Nest code.
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
export class ConstantModule {}
