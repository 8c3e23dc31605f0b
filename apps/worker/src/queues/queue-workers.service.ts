import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { JobName, QueueName, modelQueueName, redisConnectionOptions, type ProviderConfig } from '@quire/contracts';
import { Queue, UnrecoverableError, Worker, type Job, type WorkerOptions } from 'bullmq';

import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config';
import { JOB_HANDLERS, PROVIDER_QUEUES, type JobHandler } from './job-handler';

/** Jobs of the `runs` queue only read and write a few rows, so several run at once. */
const RUNS_CONCURRENCY = 4;

/**
 * Starts one BullMQ worker per queue, plus one per configured model provider,
 * and routes each job to the handler of its name. A provider's limits are set
 * on its queue in Redis, so they hold across every worker process.
 */
@Injectable()
export class QueueWorkersService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(QueueWorkersService.name);
  private readonly workers: Worker[] = [];

  constructor(
    @Inject(JOB_HANDLERS) private readonly handlers: JobHandler[],
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const byName = indexHandlers(this.handlers);
    const concurrency: Record<QueueName, number> = {
      [QueueName.ingest]: this.config.INGEST_CONCURRENCY,
      [QueueName.ocr]: this.config.OCR_CONCURRENCY,
      [QueueName.runs]: RUNS_CONCURRENCY,
    };

    for (const queueName of Object.values(QueueName)) {
      this.start(queueName, byName, { concurrency: concurrency[queueName] });
    }
    for (const provider of this.config.providers) {
      await this.startProvider(provider, byName);
    }
    this.logger.log(
      { queues: Object.values(QueueName), concurrency, providers: this.config.providers.map((provider) => provider.name) },
      'Queue workers started.',
    );
  }

  private async startProvider(provider: ProviderConfig, byName: Map<string, JobHandler>): Promise<void> {
    const queueName = modelQueueName(provider.name);
    const queue = new Queue(queueName, { prefix: this.config.QUEUE_PREFIX, connection: this.connection() });
    try {
      await queue.setGlobalConcurrency(provider.maxConcurrency);
      await queue.setGlobalRateLimit(provider.requestsPerMinute, 60_000);
    } finally {
      await queue.close();
    }
    this.start(queueName, byName, {
      concurrency: provider.maxConcurrency,
      limiter: { max: provider.requestsPerMinute, duration: 60_000 },
    });
  }

  private start(
    queueName: string,
    byName: Map<string, JobHandler>,
    options: Pick<WorkerOptions, 'concurrency' | 'limiter'>,
  ): void {
    const worker = new Worker(queueName, (job: Job) => this.dispatch(byName, queueName, job), {
      prefix: this.config.QUEUE_PREFIX,
      connection: this.connection(),
      ...options,
    });
    worker.on('failed', (job, error) => {
      this.logger.warn({ queue: queueName, jobId: job?.id, attempt: job?.attemptsMade, err: error }, 'Job failed.');
    });
    worker.on('error', (error) => {
      this.logger.error({ queue: queueName, err: error }, 'Queue worker error.');
    });
    this.workers.push(worker);
  }

  /** Workers wait for Redis to come back instead of failing their commands. */
  private connection() {
    return { ...redisConnectionOptions(this.config.REDIS_URL), maxRetriesPerRequest: null };
  }

  async onModuleDestroy(): Promise<void> {
    // close() lets running jobs finish, so a SIGTERM loses no page in progress.
    await Promise.all(this.workers.map((worker) => worker.close()));
  }

  private async dispatch(byName: Map<string, JobHandler>, queueName: string, job: Job): Promise<unknown> {
    const handler = byName.get(job.name);
    const expectedQueue = handler?.queueName === PROVIDER_QUEUES ? queueName.startsWith(modelQueueName('')) : handler?.queueName === queueName;
    if (!handler || !expectedQueue) {
      throw new UnrecoverableError(`No handler for job "${job.name}" on queue "${queueName}".`);
    }

    return handler.handle(job);
  }
}

/** Maps job names to handlers, failing start-up when a job name has no handler or more than one. */
export function indexHandlers(handlers: readonly JobHandler[]): Map<string, JobHandler> {
  const byName = new Map<string, JobHandler>();
  for (const handler of handlers) {
    if (byName.has(handler.jobName)) {
      throw new Error(`Job "${handler.jobName}" has two handlers; each job name needs exactly one.`);
    }
    byName.set(handler.jobName, handler);
  }

  const missing = Object.values(JobName).filter((name) => !byName.has(name));
  if (missing.length > 0) {
    throw new Error(`No handler for job ${missing.map((name) => `"${name}"`).join(', ')}; the worker cannot start.`);
  }

  return byName;
}
