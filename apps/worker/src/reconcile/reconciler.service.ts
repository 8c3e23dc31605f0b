import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import {
  JobName,
  QueueName,
  RunConfig,
  ingestJob,
  jobIdFor,
  redisConnectionOptions,
  runFlow,
  type StepKind,
} from '@quire/contracts';
import { FlowProducer, Queue } from 'bullmq';

import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config';
import { PrismaService } from '../infrastructure/prisma.service';

const BATCH_SIZE = 100;

export interface ReconcileResult {
  ingests: number;
  runs: number;
}

/**
 * Re-enqueues work that PostgreSQL records as unfinished but Redis no longer has,
 * for example after Redis restarted empty. Job ids derive from row ids, so
 * re-enqueuing work that is in fact still queued changes nothing.
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReconcilerService.name);
  private readonly ingestQueue: Queue;
  private readonly runsQueue: Queue;
  private readonly flows: FlowProducer;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {
    const options = {
      prefix: config.QUEUE_PREFIX,
      connection: { ...redisConnectionOptions(config.REDIS_URL), maxRetriesPerRequest: null },
    };
    this.ingestQueue = new Queue(QueueName.ingest, options);
    this.runsQueue = new Queue(QueueName.runs, options);
    this.flows = new FlowProducer(options);
  }

  onApplicationBootstrap(): void {
    if (this.config.RECONCILE_INTERVAL_MS === 0) {
      return;
    }

    this.timer = setInterval(() => {
      if (!this.running) {
        this.running = this.reconcileOnce()
          .catch((error: unknown) =>
            this.logger.warn({ err: error }, 'Reconciliation failed; it runs again at the next interval.'),
          )
          .finally(() => (this.running = undefined));
      }
    }, this.config.RECONCILE_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await Promise.all([this.ingestQueue.close(), this.runsQueue.close(), this.flows.close()]);
  }

  /**
   * Re-enqueues unfinished work last touched before `cutoff` whose job Redis does
   * not hold, optionally only that of one document.
   */
  async reconcileOnce(
    cutoff = new Date(Date.now() - this.config.RECONCILE_GRACE_MS),
    documentId?: string,
  ): Promise<ReconcileResult> {
    const result = {
      ingests: await this.reconcileIngests(cutoff, documentId),
      runs: await this.reconcileRuns(cutoff, documentId),
    };
    if (result.ingests > 0 || result.runs > 0) {
      this.logger.warn(result, 'Re-enqueued work that Redis had lost.');
    }

    return result;
  }

  private async reconcileIngests(cutoff: Date, documentId: string | undefined): Promise<number> {
    const documents = await this.prisma.client.document.findMany({
      where: { id: documentId, state: { in: ['uploaded', 'ingesting'] }, updatedAt: { lt: cutoff } },
      select: { id: true, ingestAttempts: true },
      take: BATCH_SIZE,
    });

    let requeued = 0;
    for (const document of documents) {
      if (await this.ingestQueue.getJob(jobIdFor(JobName.ingestDocument, document.id, document.ingestAttempts))) {
        continue;
      }
      // The job may have finished between the two reads; only a document still unfinished is re-enqueued.
      const current = await this.prisma.client.document.findUnique({
        where: { id: document.id },
        select: { state: true },
      });
      if (current?.state !== 'uploaded' && current?.state !== 'ingesting') {
        continue;
      }
      // A password sent with the upload is not recoverable here; such a PDF fails again with "password required".
      const job = ingestJob(document.id, document.ingestAttempts);
      await this.ingestQueue.add(job.name, job.data, job.opts);
      requeued += 1;
    }

    return requeued;
  }

  private async reconcileRuns(cutoff: Date, documentId: string | undefined): Promise<number> {
    const runs = await this.prisma.client.pipelineRun.findMany({
      where: { documentId, state: { in: ['queued', 'running'] }, createdAt: { lt: cutoff } },
      select: { id: true },
      take: BATCH_SIZE,
    });

    let requeued = 0;
    for (const run of runs) {
      // While the parent job exists, BullMQ still tracks the run's pages.
      if (await this.runsQueue.getJob(jobIdFor(JobName.finishRun, run.id))) {
        continue;
      }
      const current = await this.prisma.client.pipelineRun.findUnique({
        where: { id: run.id },
        select: {
          state: true,
          config: true,
          steps: { where: { state: { in: ['queued', 'running'] } }, select: { id: true, pageId: true, kind: true } },
        },
      });
      if (current?.state !== 'queued' && current?.state !== 'running') {
        continue;
      }
      await this.flows.add(
        runFlow(
          run.id,
          RunConfig.parse(current.config),
          current.steps.map((step) => ({ stepId: step.id, pageId: step.pageId, kind: step.kind as StepKind })),
        ),
      );
      requeued += 1;
    }

    return requeued;
  }
}
