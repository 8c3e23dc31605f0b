/** Releases a slot taken with `ConcurrencyLimiter.acquire`; calling it again does nothing. */
export type ReleaseSlot = () => void;

interface Waiter {
  grant: (release: ReleaseSlot) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * Lets at most `size` holders run at once, in arrival order. A caller whose signal aborts while it
 * waits leaves the queue and rejects with the signal's reason, so a timed-out call never starts.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiters: Waiter[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`Concurrency must be a positive integer, got ${size}.`);
    }
  }

  /** Slots in use and callers waiting for one. */
  stats(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiters.length };
  }

  acquire(signal?: AbortSignal): Promise<ReleaseSlot> {
    if (signal?.aborted) {
      return Promise.reject(signal.reason);
    }
    if (this.active < this.size) {
      this.active += 1;
      return Promise.resolve(this.releaser());
    }

    return new Promise<ReleaseSlot>((resolve, reject) => {
      const waiter: Waiter = {
        grant: resolve,
        signal,
        onAbort: () => {
          const index = this.waiters.indexOf(waiter);
          if (index !== -1) {
            this.waiters.splice(index, 1);
            reject(signal?.reason);
          }
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private releaser(): ReleaseSlot {
    let released = false;

    return () => {
      if (released) {
        return;
      }
      released = true;
      const next = this.waiters.shift();
      if (next === undefined) {
        this.active -= 1;
        return;
      }
      // The slot passes straight to the next waiter, so the count of active holders stays the same.
      next.signal?.removeEventListener('abort', next.onAbort);
      next.grant(this.releaser());
    };
  }
}
