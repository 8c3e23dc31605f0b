import { type ChildProcess, spawn } from 'node:child_process';
import { readResidentSetMb } from '@quire/models';
import path from 'node:path';

import { IngestError } from './ingest.error';
import type { RendererReply, RendererRequest } from './pdf-render.protocol';
import type { RasterLimits } from './raster.types';

// Compiled code runs dist/pdf-render.child.mjs; tests under ts-jest run the
// .mts source, which Node.js 24 strips of its types.
const CHILD_SCRIPT = path.join(__dirname, `pdf-render.child${path.extname(__filename) === '.ts' ? '.mts' : '.mjs'}`);

const STDERR_TAIL_CHARS = 2000;
const MEMORY_POLL_MS = 200;

interface PendingRequest {
  description: string;
  resolve(reply: RendererReply): void;
  reject(error: unknown): void;
  cleanup(): void;
}

/**
 * One renderer child process. Requests run one at a time, each limited to
 * `limits.timeoutMs`. A timeout, an abort, a memory overrun or a crash kills the
 * child and rejects the pending request.
 */
export class PdfRenderProcess {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private readonly memoryTimer: NodeJS.Timeout;
  private pending: PendingRequest | null = null;
  private stderrTail = '';
  private hasExited = false;
  /** Reason the child was killed or crashed, with which later requests fail. */
  private failure: IngestError | null = null;

  constructor(private readonly limits: RasterLimits) {
    // The password travels over the IPC channel, never in argv or the environment,
    // where other processes on the machine could read it.
    this.child = spawn(process.execPath, [`--max-old-space-size=${limits.maxChildMemoryMb}`, CHILD_SCRIPT], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });
    this.child.on('message', (message: RendererReply) => this.settle((pending) => pending.resolve(message)));
    this.exited = new Promise((resolve) => {
      const onExit = (failure: IngestError): void => {
        this.hasExited = true;
        clearInterval(this.memoryTimer);
        this.failPending(this.failure ?? failure);
        resolve();
      };
      this.child.once('exit', (code, signal) => onExit(this.crashError(code, signal)));
      // A child that never started emits 'error' and no 'exit'.
      this.child.on('error', (error) => {
        if (this.child.pid === undefined) {
          onExit(new IngestError('render_failed', `Starting the PDF renderer failed: ${error.message}.`));
        }
      });
    });
    this.memoryTimer = setInterval(() => void this.checkMemory(), MEMORY_POLL_MS);
    this.memoryTimer.unref();
  }

  /** Sends one request and resolves with the child's reply. */
  request(message: RendererRequest, description: string, signal?: AbortSignal): Promise<RendererReply> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      if (this.hasExited) {
        reject(this.failure ?? this.crashError(this.child.exitCode, this.child.signalCode));
        return;
      }

      const timer = setTimeout(() => {
        this.kill(
          new IngestError(
            'render_timeout',
            `${capitalize(description)} timed out after ${this.limits.timeoutMs} ms; raise the timeout or lower the render dpi.`,
          ),
        );
      }, this.limits.timeoutMs);
      const onAbort = (): void => this.kill(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });

      this.pending = {
        description,
        resolve,
        reject,
        cleanup: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      this.child.send(message, (error) => {
        if (error) {
          this.kill(
            new IngestError(
              'render_failed',
              `Sending a request to the PDF renderer failed while ${description}: ${error.message}.`,
            ),
          );
        }
      });
    });
  }

  /** Kills the child if it still runs and waits until it has exited. */
  async stop(): Promise<void> {
    if (!this.hasExited) {
      this.child.kill('SIGKILL');
    }
    await this.exited;
  }

  private kill(reason: unknown): void {
    this.failPending(reason);
    if (!this.hasExited) {
      this.child.kill('SIGKILL');
    }
  }

  private settle(action: (pending: PendingRequest) => void): void {
    const pending = this.pending;
    if (pending === null) {
      return;
    }
    this.pending = null;
    pending.cleanup();
    action(pending);
  }

  private failPending(reason: unknown): void {
    if (reason instanceof IngestError && this.failure === null) {
      this.failure = reason;
    }
    this.settle((pending) => pending.reject(reason));
  }

  /**
   * Kills the child when its resident set size exceeds the cap. The V8 heap flag
   * alone does not cover the native buffers of the canvas library and libvips.
   */
  private async checkMemory(): Promise<void> {
    const residentMb = await readResidentSetMb(this.child.pid);
    // NOTE: /proc exists on Linux only; elsewhere only the V8 heap limit applies.
    if (residentMb === null || residentMb <= this.limits.maxChildMemoryMb || this.hasExited) {
      return;
    }

    const during = this.pending === null ? 'between pages' : `while ${this.pending.description}`;
    this.kill(
      new IngestError(
        'render_failed',
        `The PDF renderer used ${residentMb} MB ${during}, over the limit of ${this.limits.maxChildMemoryMb} MB; raise the renderer memory limit or lower the render dpi.`,
      ),
    );
  }

  private crashError(code: number | null, signal: NodeJS.Signals | null): IngestError {
    const exitCause = signal === null ? `with code ${code}` : `on signal ${signal}`;
    const during = this.pending === null ? '' : ` while ${this.pending.description}`;
    const lastLines = this.stderrTail.trim().split('\n').slice(-3).join(' | ');
    const output = lastLines === '' ? '' : `; its last output: ${lastLines}`;

    return new IngestError('render_failed', `The PDF renderer exited ${exitCause}${during}${output}.`);
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
