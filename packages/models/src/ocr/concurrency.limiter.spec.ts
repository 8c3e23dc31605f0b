import { ConcurrencyLimiter } from './concurrency.limiter';

describe('ConcurrencyLimiter', () => {
  it('grants up to size slots at once and queues the rest in order', async () => {
    const limiter = new ConcurrencyLimiter(2);
    const order: string[] = [];

    const first = await limiter.acquire();
    const second = await limiter.acquire();
    const third = limiter.acquire().then((release) => {
      order.push('third');
      return release;
    });
    const fourth = limiter.acquire().then((release) => {
      order.push('fourth');
      return release;
    });

    expect(limiter.stats()).toEqual({ active: 2, waiting: 2 });
    first();
    (await third)();
    second();
    (await fourth)();
    expect(order).toEqual(['third', 'fourth']);
    expect(limiter.stats()).toEqual({ active: 0, waiting: 0 });
  });

  it('ignores a second release of the same slot', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const release = await limiter.acquire();

    release();
    release();

    expect(limiter.stats()).toEqual({ active: 0, waiting: 0 });
  });

  it('drops a waiter whose signal aborts and rejects it with the reason', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const releaseHeld = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);

    controller.abort(new Error('gave up'));

    await expect(waiting).rejects.toThrow('gave up');
    expect(limiter.stats()).toEqual({ active: 1, waiting: 0 });
    releaseHeld();
    expect(limiter.stats()).toEqual({ active: 0, waiting: 0 });
  });

  it('rejects at once when the signal is already aborted', async () => {
    const limiter = new ConcurrencyLimiter(1);

    await expect(limiter.acquire(AbortSignal.abort(new Error('too late')))).rejects.toThrow('too late');
    expect(limiter.stats()).toEqual({ active: 0, waiting: 0 });
  });

  it('rejects a size below 1', () => {
    expect(() => new ConcurrencyLimiter(0)).toThrow(RangeError);
  });
});
