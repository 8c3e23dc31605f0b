// Baseline for the queue: the time per job of no-op jobs through a plain BullMQ queue and worker.
// It is set against the same number of page jobs in Quire's run shape, built by `runFlow`: a
// `finish-run` parent per run with `ocr-page` children. Processors do nothing in both.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import { QueueName, redisConnectionOptions, runFlow } from '@quire/contracts';
import { FlowProducer, Queue, Worker, type ConnectionOptions } from 'bullmq';

import { median } from './bench-statistics.ts';

/** Concurrency of the worker's `runs` queue (RUNS_CONCURRENCY in apps/worker). */
const RUNS_QUEUE_CONCURRENCY = 4;
const PLAIN_QUEUE = 'plain-no-op';

export interface QueueOverheadOptions {
  redisUrl: string;
  /** BullMQ key prefix. The queues used under it are emptied before and after. */
  prefix: string;
  /** Page jobs per measurement. */
  jobs: number;
  pagesPerRun: number;
  repetitions: number;
  /** Jobs processed at once by the page worker, as OCR_CONCURRENCY does in Quire. */
  concurrency: number;
  /** Limit for one measurement. */
  timeoutMs: number;
}

export interface QueueOverheadMeasurement {
  jobs: number;
  pagesPerRun: number;
  repetitions: number;
  concurrency: number;
  plainSeconds: number[];
  flowSeconds: number[];
  /** Median over the repetitions of wall time divided by page jobs. */
  plainMsPerJob: number;
  flowMsPerJob: number;
}

/** Runs the plain and the flow measurement in turn, `repetitions` times each, and returns the medians. */
export async function measureQueueOverhead(options: QueueOverheadOptions): Promise<QueueOverheadMeasurement> {
  if (options.jobs % options.pagesPerRun !== 0) {
    throw new RangeError(`jobs (${options.jobs}) must be a multiple of pagesPerRun (${options.pagesPerRun}).`);
  }
  const connection: ConnectionOptions = { ...redisConnectionOptions(options.redisUrl), maxRetriesPerRequest: null };
  await emptyQueues(connection, options.prefix);

  const plainSeconds: number[] = [];
  const flowSeconds: number[] = [];
  try {
    for (let repetition = 0; repetition < options.repetitions; repetition += 1) {
      plainSeconds.push(await timePlainQueue(connection, options));
      flowSeconds.push(await timeRunFlows(connection, options));
    }
  } finally {
    await emptyQueues(connection, options.prefix);
  }

  return {
    jobs: options.jobs,
    pagesPerRun: options.pagesPerRun,
    repetitions: options.repetitions,
    concurrency: options.concurrency,
    plainSeconds,
    flowSeconds,
    plainMsPerJob: ((median(plainSeconds) ?? Number.NaN) * 1000) / options.jobs,
    flowMsPerJob: ((median(flowSeconds) ?? Number.NaN) * 1000) / options.jobs,
  };
}

async function timePlainQueue(connection: ConnectionOptions, options: QueueOverheadOptions): Promise<number> {
  const queue = new Queue(PLAIN_QUEUE, { connection, prefix: options.prefix });
  const counter = new CompletionCounter(options.jobs, 'plain no-op job');
  const worker = new Worker(PLAIN_QUEUE, async () => 'done', {
    connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
  });
  counter.watch(worker);
  try {
    await worker.waitUntilReady();
    const started = performance.now();
    await queue.addBulk(
      Array.from({ length: options.jobs }, () => ({
        name: 'no-op',
        // The same payload as an `ocr-page` job, so both carry the same bytes.
        data: { runId: randomUUID(), stepId: randomUUID(), pageId: randomUUID() },
        opts: { removeOnComplete: true },
      })),
    );
    await counter.wait(options.timeoutMs);

    return (performance.now() - started) / 1000;
  } finally {
    await worker.close();
    await queue.close();
  }
}

async function timeRunFlows(connection: ConnectionOptions, options: QueueOverheadOptions): Promise<number> {
  const runs = options.jobs / options.pagesPerRun;
  const flows = Array.from({ length: runs }, () =>
    runFlow(
      randomUUID(),
      { pipeline: 'ocr', ocr: { engine: 'tesseract.js', languages: ['eng'], useTextLayer: false } },
      Array.from({ length: options.pagesPerRun }, () => ({
        stepId: randomUUID(),
        pageId: randomUUID(),
        kind: 'ocr' as const,
      })),
    ),
  );
  const producer = new FlowProducer({ connection, prefix: options.prefix });
  const parents = new CompletionCounter(runs, 'finish-run parent job');
  const pageWorker = new Worker(QueueName.ocr, async () => 'succeeded', {
    connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
  });
  const runWorker = new Worker(QueueName.runs, async () => 'succeeded', {
    connection,
    prefix: options.prefix,
    concurrency: RUNS_QUEUE_CONCURRENCY,
  });
  parents.watch(runWorker);
  pageWorker.on('failed', (job, error) =>
    parents.fail(new Error(`No-op page job ${job?.id} failed: ${error.message}`)),
  );
  try {
    await Promise.all([pageWorker.waitUntilReady(), runWorker.waitUntilReady()]);
    const started = performance.now();
    await producer.addBulk(flows);
    await parents.wait(options.timeoutMs);

    return (performance.now() - started) / 1000;
  } finally {
    await Promise.all([pageWorker.close(), runWorker.close()]);
    await producer.close();
  }
}

/** Resolves once a worker has completed `expected` jobs, and rejects on the first failed job. */
class CompletionCounter {
  private completed = 0;
  private readonly expected: number;
  private readonly jobDescription: string;
  private settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  private readonly done: Promise<void>;

  constructor(expected: number, jobDescription: string) {
    this.expected = expected;
    this.jobDescription = jobDescription;
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // wait() may not be reached when setup fails, and the rejection must not go unhandled then.
    this.done.catch(() => undefined);
  }

  watch(worker: Worker): void {
    worker.on('completed', () => {
      this.completed += 1;
      if (this.completed === this.expected) {
        this.settle?.resolve();
      }
    });
    worker.on('failed', (job, error) =>
      this.fail(new Error(`${this.jobDescription} ${job?.id} failed: ${error.message}`)),
    );
  }

  fail(error: Error): void {
    this.settle?.reject(error);
  }

  async wait(timeoutMs: number): Promise<void> {
    const cancel = new AbortController();
    const timeout = sleep(timeoutMs, undefined, { signal: cancel.signal }).then(
      () => {
        throw new Error(
          `Only ${this.completed} of ${this.expected} ${this.jobDescription}s completed within ${timeoutMs / 1000} s; ` +
            'check that Redis answers and is not busy.',
        );
      },
      () => undefined,
    );
    try {
      await Promise.race([this.done, timeout]);
    } finally {
      cancel.abort();
    }
  }
}

/** Removes the named queues under `prefix` from Redis, with all their jobs. */
export async function obliterateQueues(redisUrl: string, prefix: string, names: readonly string[]): Promise<void> {
  await removeQueues({ ...redisConnectionOptions(redisUrl), maxRetriesPerRequest: null }, prefix, names);
}

/** Removes every queue the measurements use under `prefix`, with their jobs. */
function emptyQueues(connection: ConnectionOptions, prefix: string): Promise<void> {
  return removeQueues(connection, prefix, [PLAIN_QUEUE, QueueName.ocr, QueueName.runs]);
}

async function removeQueues(connection: ConnectionOptions, prefix: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const queue = new Queue(name, { connection, prefix });
    try {
      await queue.obliterate({ force: true });
    } finally {
      await queue.close();
    }
  }
}
