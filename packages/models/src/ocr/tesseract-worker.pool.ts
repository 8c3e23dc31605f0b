import path from 'node:path';
import type { Worker as ThreadWorker } from 'node:worker_threads';
import type Tesseract from 'tesseract.js';
import { OcrError } from './ocr-engine';

const TESSERACT_PACKAGE_ROOT = path.dirname(require.resolve('tesseract.js/package.json'));

/**
 * Worker and core paths inside the installed packages, so tesseract.js never falls back to a CDN.
 * In Node.js the worker script loads tesseract.js-core with require() and ignores `corePath`;
 * it is set anyway so the options state which core runs.
 */
export const TESSERACT_LOCAL_PATHS = {
  workerPath: path.join(TESSERACT_PACKAGE_ROOT, 'src', 'worker-script', 'node', 'index.js'),
  corePath: path.dirname(require.resolve('tesseract.js-core/package.json', { paths: [TESSERACT_PACKAGE_ROOT] })),
};

export interface WorkerPoolOptions {
  /** Maximum number of workers alive at once, which is also the number of jobs run in parallel. */
  size: number;
  /** Creates a worker ready for the given key (for example a language set such as `eng+deu`). */
  createWorker: (key: string) => Promise<Tesseract.Worker>;
}

export interface PoolRunOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Noun phrase for messages, such as "recognition" or "orientation detection". */
  action: string;
}

export interface WorkerPoolStats {
  workers: number;
  busy: number;
  waiting: number;
}

interface PooledWorker {
  readonly key: string;
  readonly worker: Tesseract.Worker;
  /** Rejects when the worker thread exits or fails on its own. */
  readonly died: Promise<never>;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Runs jobs on at most `size` tesseract.js workers, created lazily per key and reused.
 *
 * tesseract.js cannot cancel a running job, and terminating a worker leaves that job's promise
 * pending for ever. So every job is raced against its timeout, its abort signal, the pool closing
 * and the worker thread dying, and whichever comes first settles the call. A worker that did not
 * finish its job cleanly is terminated and dropped, and the next job that needs one creates one.
 */
export class TesseractWorkerPool {
  private readonly idle: PooledWorker[] = [];
  private readonly all = new Set<PooledWorker>();
  private readonly waiters: Waiter[] = [];
  private permitsInUse = 0;
  private starting = 0;
  private readonly closing = new AbortController();

  constructor(private readonly options: WorkerPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new RangeError(`Worker pool size must be a positive integer, got ${options.size}.`);
    }
  }

  stats(): WorkerPoolStats {
    return {
      workers: this.all.size,
      busy: this.all.size - this.idle.length,
      waiting: this.waiters.length,
    };
  }

  /** Runs `job` on a worker for `key`, within the time limit and abort signal given. */
  async run<T>(key: string, job: (worker: Tesseract.Worker) => Promise<T>, options: PoolRunOptions): Promise<T> {
    const stop = new StopSignal(this.closing.signal, options);
    stop.throwIfStopped();

    await this.acquirePermit(stop);
    try {
      // A call that stopped while it waited must not take, and then discard, a healthy worker.
      stop.throwIfStopped();
      const pooled = this.takeIdle(key) ?? (await this.spawn(key, stop));
      try {
        const result = await stop.race(Promise.race([job(pooled.worker), pooled.died]));
        this.idle.push(pooled);

        return result;
      } catch (error) {
        await this.discard(pooled);
        throw stop.stopped ? stop.toError() : toEngineFailure(options.action, error);
      }
    } finally {
      this.releasePermit();
    }
  }

  /** Rejects waiting and running jobs and terminates every worker. */
  async close(): Promise<void> {
    this.closing.abort();
    for (const waiter of this.waiters.splice(0)) {
      waiter.reject(closedError());
    }

    await Promise.all([...this.all].map((pooled) => this.discard(pooled)));
  }

  private acquirePermit(stop: StopSignal): Promise<void> {
    if (this.permitsInUse < this.options.size) {
      this.permitsInUse += 1;
      return Promise.resolve();
    }

    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      this.waiters.push(waiter);
      stop.onStop(() => {
        const index = this.waiters.indexOf(waiter);
        if (index !== -1) {
          this.waiters.splice(index, 1);
          reject(stop.toError());
        }
      });
    });
  }

  private releasePermit(): void {
    const next = this.waiters.shift();
    if (next === undefined) {
      this.permitsInUse -= 1;
      return;
    }

    // The permit passes straight to the next waiter, so the count stays the same.
    next.resolve();
  }

  private takeIdle(key: string): PooledWorker | undefined {
    const index = this.idle.findIndex((pooled) => pooled.key === key);
    if (index === -1) {
      return undefined;
    }

    return this.idle.splice(index, 1)[0];
  }

  private async spawn(key: string, stop: StopSignal): Promise<PooledWorker> {
    // Holding a permit with no worker means at most size - 1 workers are busy or starting, so
    // when the pool is full at least one is idle: the least recently used one makes room.
    let evicting: Promise<void> | undefined;
    if (this.all.size + this.starting >= this.options.size) {
      const oldest = this.idle.shift();
      evicting = oldest === undefined ? undefined : this.discard(oldest);
    }

    this.starting += 1;
    let creating: Promise<Tesseract.Worker> | undefined;
    let worker: Tesseract.Worker;
    try {
      await evicting;
      stop.throwIfStopped();
      creating = this.options.createWorker(key);
      worker = await stop.race(creating);
    } catch (error) {
      // Creation that finishes after the caller gave up must not leave a thread running.
      creating?.then((late) => late.terminate()).catch(() => undefined);
      // NOTE: tesseract.js 7 never settles createWorker when loading or initialising a model
      // fails, so such a worker thread cannot be reached to terminate it.
      throw stop.stopped ? stop.toError() : toEngineFailure('worker start', error);
    } finally {
      this.starting -= 1;
    }

    const pooled: PooledWorker = { key, worker, died: watchThread(worker) };
    this.all.add(pooled);

    return pooled;
  }

  private async discard(pooled: PooledWorker): Promise<void> {
    this.all.delete(pooled);
    const index = this.idle.indexOf(pooled);
    if (index !== -1) {
      this.idle.splice(index, 1);
    }

    await pooled.worker.terminate().catch(() => undefined);
  }
}

/**
 * Returns a promise that rejects when the worker's thread exits or reports an error. tesseract.js
 * exposes the thread, untyped, as `worker.worker` and listens for errors through `onerror`, which
 * a Node.js Worker never calls. Without this a crashed thread would leave its job pending for ever.
 */
function watchThread(worker: Tesseract.Worker): Promise<never> {
  const thread = (worker as unknown as { worker?: ThreadWorker }).worker;
  const died = new Promise<never>((_resolve, reject) => {
    thread?.once('error', (error) => reject(error));
    thread?.once('exit', (exitCode) => reject(new Error(`the worker thread exited with code ${exitCode}`)));
  });
  // The promise is not awaited while the worker is idle, so its rejection is handled here.
  died.catch(() => undefined);

  return died;
}

/** The reasons a call stops early: its abort signal, its time limit, or the pool closing. */
class StopSignal {
  private readonly timeout: AbortSignal | null;
  private readonly combined: AbortSignal;

  constructor(
    private readonly closing: AbortSignal,
    private readonly options: PoolRunOptions,
  ) {
    const { signal, timeoutMs } = options;
    if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs <= 0)) {
      throw new RangeError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}.`);
    }

    this.timeout = timeoutMs === undefined ? null : AbortSignal.timeout(timeoutMs);
    const signals = [closing, this.timeout, signal].filter((item): item is AbortSignal => item != null);
    this.combined = AbortSignal.any(signals);
  }

  get stopped(): boolean {
    return this.combined.aborted;
  }

  throwIfStopped(): void {
    if (this.stopped) {
      throw this.toError();
    }
  }

  onStop(listener: () => void): void {
    this.combined.addEventListener('abort', listener, { once: true });
  }

  /** Settles like `promise`, or rejects with the stop reason as soon as the call stops. */
  race<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(this.toError());
      if (this.stopped) {
        // Nothing else listens to `promise` now, and its later rejection must not go unhandled.
        promise.catch(() => undefined);
        onAbort();
        return;
      }
      this.combined.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (value) => {
          this.combined.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          this.combined.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  toError(): OcrError {
    const { action, timeoutMs, signal } = this.options;
    if (this.closing.aborted) {
      return closedError();
    }
    if (this.timeout?.aborted) {
      return new OcrError(
        'timeout',
        `Tesseract.js ${action} timed out after ${timeoutMs} ms; raise timeoutMs, add workers ` +
          'if calls wait for a free one, or send a smaller image.',
      );
    }

    return new OcrError('aborted', `Tesseract.js ${action} was aborted by the caller.`, { cause: signal?.reason });
  }
}

function closedError(): OcrError {
  return new OcrError(
    'engine_failed',
    'The tesseract.js worker pool was closed; create a new engine or detector to go on.',
  );
}

function toEngineFailure(action: string, error: unknown): OcrError {
  // tesseract.js rejects with plain strings such as "Error: Error attempting to read image.".
  const detail = error instanceof Error ? error.message : String(error);

  return new OcrError('engine_failed', `Tesseract.js ${action} failed: ${detail}`, { cause: error });
}
