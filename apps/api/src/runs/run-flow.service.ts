import { InjectFlowProducer, InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { FinishRunPayload, JobName, JobRetryPolicy, OcrPagePayload, QueueName, jobIdFor } from '@quire/contracts';
import { FlowProducer, Queue } from 'bullmq';

export interface RunStepRef {
  stepId: string;
  pageId: string;
}

/**
 * Enqueues a run as a BullMQ flow: one parent job that finishes the run and one
 * child job per page. Children carry `ignoreDependencyOnFailure`, so a failed page
 * is recorded and the parent still runs once every page is done.
 */
@Injectable()
export class RunFlowService {
  private readonly logger = new Logger(RunFlowService.name);

  constructor(
    @InjectFlowProducer(QueueName.runs) private readonly flows: FlowProducer,
    @InjectQueue(QueueName.ocr) private readonly ocrQueue: Queue,
  ) {}

  async enqueue(runId: string, steps: readonly RunStepRef[]): Promise<void> {
    await this.flows.add({
      name: JobName.finishRun,
      queueName: QueueName.runs,
      data: FinishRunPayload.parse({ runId }),
      opts: {
        ...JobRetryPolicy[JobName.finishRun],
        jobId: jobIdFor(JobName.finishRun, runId),
        removeOnComplete: true,
        removeOnFail: { count: 1_000 },
      },
      children: steps.map((step) => ({
        name: JobName.ocrPage,
        queueName: QueueName.ocr,
        data: OcrPagePayload.parse({ runId, stepId: step.stepId, pageId: step.pageId }),
        opts: {
          ...JobRetryPolicy[JobName.ocrPage],
          jobId: jobIdFor(JobName.ocrPage, step.stepId),
          ignoreDependencyOnFailure: true,
          removeOnComplete: true,
          removeOnFail: { count: 1_000 },
        },
      })),
    });
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
