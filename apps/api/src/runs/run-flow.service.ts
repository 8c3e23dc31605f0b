import { InjectFlowProducer, InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { QueueName, runFlow, stepJobId, stepQueueName, type RunConfig, type RunStepRef } from '@quire/contracts';
import { FlowProducer, Queue } from 'bullmq';

import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { apiRedisConnection } from '../infrastructure/infrastructure.module';

/** Enqueues runs as BullMQ flows and removes the waiting pages of cancelled runs. */
@Injectable()
export class RunFlowService implements OnModuleDestroy {
  private readonly logger = new Logger(RunFlowService.name);
  /** Provider queues, opened when a cancelled run has pages waiting on them. */
  private readonly modelQueues = new Map<string, Queue>();

  constructor(
    @InjectFlowProducer(QueueName.runs) private readonly flows: FlowProducer,
    @InjectQueue(QueueName.ocr) private readonly ocrQueue: Queue,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async enqueue(runId: string, config: RunConfig, steps: readonly RunStepRef[]): Promise<void> {
    await this.flows.add(runFlow(runId, config, steps));
  }

  /**
   * Removes the waiting page jobs of a cancelled run. Jobs already running, and
   * model jobs still waiting for their OCR step, cannot be removed. The worker
   * checks the run's state in PostgreSQL before each step, so they stop there.
   */
  async removeQueuedPages(
    runId: string,
    config: RunConfig,
    steps: readonly Pick<RunStepRef, 'stepId' | 'kind'>[],
  ): Promise<number> {
    let removed = 0;
    for (const step of steps) {
      try {
        removed += await this.queueNamed(stepQueueName(step, config)).remove(stepJobId(step));
      } catch (error) {
        this.logger.warn(
          { runId, stepId: step.stepId, err: error },
          'Could not remove a queued page job; the worker will skip it.',
        );
      }
    }

    return removed;
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.modelQueues.values()].map((queue) => queue.close()));
  }

  private queueNamed(name: string): Queue {
    if (name === QueueName.ocr) {
      return this.ocrQueue;
    }
    let queue = this.modelQueues.get(name);
    if (!queue) {
      queue = new Queue(name, { prefix: this.config.QUEUE_PREFIX, connection: apiRedisConnection(this.config) });
      this.modelQueues.set(name, queue);
    }

    return queue;
  }
}
