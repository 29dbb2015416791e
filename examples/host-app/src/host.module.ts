import { Module } from '@nestjs/common';
import { ContractDeskModule } from 'contractdesk/nest';
import { HostController } from './host.controller';
import { OnboardingService } from './onboarding.service';

@Module({
  // ContractDesk's services, push policy and MikroORM (with a request context per request), from the environment.
  imports: [ContractDeskModule.forRoot({ env: process.env })],
  controllers: [HostController],
  providers: [OnboardingService],
})
export class HostModule {}
