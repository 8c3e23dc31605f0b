import { Module } from '@nestjs/common';

import { ModelProfilesModule } from '../profiles/model-profiles.module';
import { RunFlowService } from './run-flow.service';
import { RunsController } from './runs.controller';
import { RunsService } from './runs.service';

@Module({
  imports: [ModelProfilesModule],
  controllers: [RunsController],
  providers: [RunsService, RunFlowService],
})
export class RunsModule {}
