import { Injectable, Logger } from '@nestjs/common';
import { FinishRunPayload, JobName, QueueName, finalStepKind } from '@quire/contracts';
import type { RunState, StepState } from '@quire/db';
import { UnrecoverableError, type Job } from 'bullmq';

import { PrismaService } from '../infrastructure/prisma.service';
import type { JobHandler } from '../queues/job-handler';
import { parsePayload } from '../queues/job-helpers';

/**
 * Runs once every page job of a run has completed or failed (the flow's parent)
 * and records the run's final state.
 */
@Injectable()
export class FinishRunHandler implements JobHandler<typeof JobName.finishRun> {
  readonly queueName = QueueName.runs;
  readonly jobName = JobName.finishRun;
  private readonly logger = new Logger(FinishRunHandler.name);

  constructor(private readonly prisma: PrismaService) {}

  async handle(job: Job<FinishRunPayload>): Promise<RunState> {
    const payload = parsePayload(FinishRunPayload, job);
    const run = await this.prisma.client.pipelineRun.findUnique({
      where: { id: payload.runId },
      include: { steps: { select: { state: true, kind: true } } },
    });
    if (!run) {
      throw new UnrecoverableError(`Run ${payload.runId} was not found; it may have been deleted.`);
    }
    if (run.state === 'cancelled' || run.state === 'succeeded' || run.state === 'failed') {
      return run.state;
    }

    const finalKind = finalStepKind(run.pipeline);
    const outcome = finalRunState(run.steps.filter((step) => step.kind === finalKind).map((step) => step.state));
    await this.prisma.client.pipelineRun.update({
      where: { id: run.id },
      data: { state: outcome.state, error: outcome.error, finishedAt: new Date() },
    });
    this.logger.log({ runId: run.id, state: outcome.state }, 'Run finished.');

    return outcome.state;
  }
}

/** Decides a run's final state: succeeded when every page succeeded, otherwise failed with the count of pages that did not. */
export function finalRunState(stepStates: readonly StepState[]): { state: RunState; error: string | null } {
  const unfinished = stepStates.filter((state) => state !== 'succeeded').length;
  if (unfinished === 0) {
    return { state: 'succeeded', error: null };
  }

  return {
    state: 'failed',
    error: `${unfinished} of ${stepStates.length} pages did not succeed; see each step's error.`,
  };
}
