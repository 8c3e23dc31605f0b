import { Module } from '@nestjs/common';

import { RunFlowService } from './run-flow.service';
import { RunsController } from './runs.controller';
import { RunsService } from './runs.service';

@Module({
  controllers: [RunsController],
  providers: [RunsService, RunFlowService],
})
export class RunsModule {}
