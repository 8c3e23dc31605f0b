import { InjectFlowProducer, InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { JobName, QueueName, jobIdFor, runFlow, type RunStepRef } from '@quire/contracts';
import { FlowProducer, Queue } from 'bullmq';

/** Enqueues runs as BullMQ flows and removes the waiting pages of cancelled runs. */
@Injectable()
export class RunFlowService {
  private readonly logger = new Logger(RunFlowService.name);

  constructor(
    @InjectFlowProducer(QueueName.runs) private readonly flows: FlowProducer,
    @InjectQueue(QueueName.ocr) private readonly ocrQueue: Queue,
  ) {}

  async enqueue(runId: string, steps: readonly RunStepRef[]): Promise<void> {
    await this.flows.add(runFlow(runId, steps));
  }

  /**
   * Removes the waiting page jobs of a cancelled run. Jobs already running cannot
   * be removed; the worker checks the run's state in PostgreSQL before each page,
   * so anything left behind stops there.
   */
  async removeQueuedPages(runId: string, stepIds: readonly string[]): Promise<number> {
    let removed = 0;
    for (const stepId of stepIds) {
      try {
        removed += await this.ocrQueue.remove(jobIdFor(JobName.ocrPage, stepId));
      } catch (error) {
        this.logger.warn({ runId, stepId, err: error }, 'Could not remove a queued page job; the worker will skip it.');
      }
    }

    return removed;
  }
}
