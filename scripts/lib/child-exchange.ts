import type { ChildProcess } from 'node:child_process';

/**
 * One request at a time to a forked benchmark child over IPC, with a time
 * limit per request. The child's output is kept (its last 4000 characters) and
 * shown only when the child exits, because engines print warnings for many pages.
 */
export class ChildExchange<Request, Response> {
  private output = '';
  private pending: { resolve: (message: Response) => void; reject: (error: Error) => void } | null = null;
  private exitError: Error | null = null;

  readonly child: ChildProcess;
  private readonly label: string;

  /** `label` names the child in messages, such as "The paddleocr process". */
  constructor(child: ChildProcess, label: string) {
    this.child = child;
    this.label = label;
    const keepTail = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-4_000);
    };
    child.stdout?.on('data', keepTail);
    child.stderr?.on('data', keepTail);
    child.on('message', (message: Response) => this.settle((pending) => pending.resolve(message)));
    child.once('exit', (code, signal) => {
      this.exitError = new Error(
        `${label} exited (code ${code}, signal ${signal}); the end of its output:\n${this.output}`,
      );
      this.settle((pending) => pending.reject(this.exitError!));
    });
  }

  /** True once the child has exited. */
  get exited(): boolean {
    return this.exitError !== null;
  }

  /**
   * Sends one request (or none, to wait for the child's first message) and
   * waits for the reply. A child that does not reply within `timeoutMs` is killed.
   */
  exchange(request: Request | null, timeoutMs: number): Promise<Response> {
    if (this.exitError) {
      return Promise.reject(this.exitError);
    }
    if (this.pending) {
      return Promise.reject(new Error(`${this.label} takes one request at a time.`));
    }

    return new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`${this.label} did not respond within ${timeoutMs / 1000} s; it was stopped.`));
      }, timeoutMs);
      this.pending = {
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      if (request) {
        this.child.send(request as object);
      }
    });
  }

  private settle(
    action: (pending: { resolve: (message: Response) => void; reject: (error: Error) => void }) => void,
  ): void {
    const pending = this.pending;
    this.pending = null;
    if (pending) {
      action(pending);
    }
  }
}
