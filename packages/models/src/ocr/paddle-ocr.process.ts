import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';

import { readResidentSetMb } from '../process-memory';
import { OcrError } from './ocr-engine';
import type { PaddleChildSettings, PaddleLine, PaddleReply, PaddleRequest } from './paddle-ocr.protocol';

// Compiled code runs dist/.../paddle-ocr.child.mjs; tests under ts-jest run the .mts source, which
// Node.js 24 strips of its types.
const CHILD_SCRIPT = path.join(__dirname, `paddle-ocr.child${path.extname(__filename) === '.ts' ? '.mts' : '.mjs'}`);

const STDERR_TAIL_CHARS = 2_000;
const MEMORY_POLL_MS = 200;

export interface PaddleProcessLimits {
  /** V8 heap limit of the child (`--max-old-space-size`), in MB. */
  heapMb: number;
  /** Resident set size over which the child is killed, in MB; it covers onnxruntime's native memory. */
  maxResidentMb: number;
}

interface Pending {
  id: number;
  resolve: (lines: PaddleLine[]) => void;
  reject: (error: unknown) => void;
  cleanup: () => void;
}

/**
 * One PaddleOCR child process with its models loaded, reading one page at a time. An abort kills
 * the child and rejects the pending read with the signal's reason. A crash, a failed start or a
 * memory overrun rejects it with an `OcrError`, and every later call fails with the same error.
 */
export class PaddleOcrProcess {
  private readonly child: ChildProcess;
  private readonly memoryTimer: NodeJS.Timeout;
  private readonly exited: Promise<void>;
  private pending: Pending | null = null;
  private nextId = 1;
  private stderrTail = '';
  private failure: OcrError | null = null;
  private hasExited = false;
  private ready: Promise<void>;

  private constructor(settings: PaddleChildSettings, limits: PaddleProcessLimits) {
    this.child = fork(CHILD_SCRIPT, [JSON.stringify(settings)], {
      // The parent's own flags (a test runner's, an inspector) need not suit the child.
      execArgv: [`--max-old-space-size=${limits.heapMb}`],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });

    let markReady: () => void = () => undefined;
    let failStart: (error: unknown) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failStart = reject;
    });
    // A failed start is reported through `ready` or a later read; it must not go unhandled meanwhile.
    this.ready.catch(() => undefined);

    this.child.on('message', (message: PaddleReply) => {
      if (message.type === 'ready') {
        markReady();
      } else if (message.type === 'start-failed') {
        this.fail(new OcrError('engine_failed', `PaddleOCR could not start: ${message.reason}`));
      } else {
        this.settle(message);
      }
    });
    this.exited = new Promise<void>((resolve) => {
      const onExit = (error: OcrError): void => {
        this.hasExited = true;
        clearInterval(this.memoryTimer);
        this.fail(error);
        failStart(this.failure);
        resolve();
      };
      this.child.once('exit', (code, signal) => onExit(this.crashError(code, signal)));
      // A child that never started emits 'error' and no 'exit'.
      this.child.on('error', (error) => {
        if (this.child.pid === undefined) {
          onExit(new OcrError('engine_failed', `Starting the PaddleOCR process failed: ${error.message}`));
        }
      });
    });
    this.memoryTimer = setInterval(() => void this.checkMemory(limits.maxResidentMb), MEMORY_POLL_MS);
    this.memoryTimer.unref();
  }

  /** Starts a child and resolves once its models are loaded; an abort kills it and rejects with the reason. */
  static async start(
    settings: PaddleChildSettings,
    limits: PaddleProcessLimits,
    signal: AbortSignal,
  ): Promise<PaddleOcrProcess> {
    const started = new PaddleOcrProcess(settings, limits);
    const onAbort = (): void => started.kill(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal.aborted) {
        onAbort();
      }
      await started.ready;

      return started;
    } catch (error) {
      await started.stop();
      throw signal.aborted ? signal.reason : error;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  get alive(): boolean {
    return !this.hasExited && this.failure === null;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Reads one encoded image; an abort of `signal` kills the child. */
  read(image: Uint8Array, signal: AbortSignal): Promise<PaddleLine[]> {
    return new Promise<PaddleLine[]>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      if (!this.alive) {
        reject(this.failure ?? this.crashError(this.child.exitCode, this.child.signalCode));
        return;
      }
      if (this.pending !== null) {
        reject(new OcrError('engine_failed', 'The PaddleOCR process reads one page at a time.'));
        return;
      }

      const onAbort = (): void => this.kill(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      const id = this.nextId++;
      this.pending = { id, resolve, reject, cleanup: () => signal.removeEventListener('abort', onAbort) };
      const request: PaddleRequest = { type: 'recognize', id, image };
      this.child.send(request, (error) => {
        if (error) {
          this.kill(new OcrError('engine_failed', `Sending a page to the PaddleOCR process failed: ${error.message}`));
        }
      });
    });
  }

  /** Kills the child if it still runs and waits until it has exited. */
  async stop(): Promise<void> {
    this.kill(new OcrError('engine_failed', 'The PaddleOCR process was stopped.'));
    await this.exited;
  }

  private kill(reason: unknown): void {
    this.fail(reason);
    if (!this.hasExited) {
      this.child.kill('SIGKILL');
    }
  }

  /** Rejects the pending read with `reason` and marks the process unusable. */
  private fail(reason: unknown): void {
    if (this.failure === null) {
      this.failure =
        reason instanceof OcrError ? reason : new OcrError('engine_failed', 'The PaddleOCR process was stopped.');
    }
    const pending = this.pending;
    this.pending = null;
    pending?.cleanup();
    pending?.reject(reason);
  }

  private settle(message: Extract<PaddleReply, { id: number }>): void {
    const pending = this.pending;
    if (pending === null || pending.id !== message.id) {
      return;
    }
    this.pending = null;
    pending.cleanup();
    if (message.type === 'lines') {
      pending.resolve(message.lines);
      return;
    }
    pending.reject(new OcrError('engine_failed', `PaddleOCR failed to read the page: ${message.reason}`));
  }

  /**
   * Kills the child when its resident set size exceeds the cap. The V8 heap flag alone does not
   * cover onnxruntime's native buffers, which hold most of its memory.
   */
  private async checkMemory(maxResidentMb: number): Promise<void> {
    const residentMb = await readResidentSetMb(this.child.pid);
    // NOTE: /proc exists on Linux only; elsewhere only the V8 heap limit applies.
    if (residentMb === null || residentMb <= maxResidentMb || this.hasExited) {
      return;
    }

    const during = this.pending === null ? 'between pages' : 'while reading a page';
    this.kill(
      new OcrError(
        'engine_failed',
        `The PaddleOCR process used ${residentMb} MB ${during}, over the limit of ${maxResidentMb} MB; ` +
          'raise maxResidentMb or lower maxSideLength.',
      ),
    );
  }

  private crashError(code: number | null, signal: NodeJS.Signals | null): OcrError {
    const exitCause = signal === null ? `with code ${code}` : `on signal ${signal}`;
    const lastLines = this.stderrTail.trim().split('\n').slice(-3).join(' | ');

    return new OcrError(
      'engine_failed',
      `The PaddleOCR process exited ${exitCause}${lastLines === '' ? '' : `; its last output: ${lastLines}`}`,
    );
  }
}
