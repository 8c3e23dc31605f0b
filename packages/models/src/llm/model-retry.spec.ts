import { ModelError } from './model';
import {
  addUsage,
  callWithRetries,
  computeRetryDelayMs,
  parseRetryAfterMs,
  sleepWithSignal,
  type AttemptOutcome,
} from './model-retry';

const timing = { baseDelayMs: 1_000, maxDelayMs: 60_000 };

function headers(values: Record<string, string>): Headers {
  return new Headers(values);
}

/** An attempt function that plays `script` in order: an outcome to return or an error to throw. */
function scripted(script: Array<AttemptOutcome<string> | Error>): jest.Mock<Promise<AttemptOutcome<string>>, [number]> {
  return jest.fn(async (attemptIndex: number) => {
    const step = script[attemptIndex];
    if (step === undefined) {
      throw new Error(`No scripted step for attempt ${attemptIndex}.`);
    }
    if (step instanceof Error) {
      throw step;
    }
    return step;
  });
}

function recordingSleep(): { delays: number[]; sleep: (delayMs: number) => Promise<void> } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (delayMs) => {
      delays.push(delayMs);
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<ModelError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ModelError);
    return error as ModelError;
  }
  throw new Error('Expected the call to reject, but it resolved.');
}

describe('computeRetryDelayMs', () => {
  it('grows the jitter window exponentially', () => {
    const delays = [0, 1, 2, 3].map((retryIndex) => computeRetryDelayMs(retryIndex, { ...timing, random: () => 0.5 }));

    expect(delays).toEqual([500, 1_000, 2_000, 4_000]);
  });

  it('caps the window at maxDelayMs', () => {
    expect(computeRetryDelayMs(10, { ...timing, random: () => 0.999 })).toBe(59_940);
  });

  it('waits at least the Retry-After delay', () => {
    expect(computeRetryDelayMs(0, { ...timing, random: () => 0.1, retryAfterMs: 1_000 })).toBe(1_000);
    expect(computeRetryDelayMs(3, { ...timing, random: () => 0.9, retryAfterMs: 1_000 })).toBe(7_200);
  });

  it('returns null when Retry-After exceeds maxDelayMs', () => {
    expect(computeRetryDelayMs(0, { ...timing, random: () => 0.5, retryAfterMs: 60_001 })).toBeNull();
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');

  it.each([
    [{ 'retry-after': '2' }, 2_000],
    [{ 'retry-after': '0.5' }, 500],
    [{ 'retry-after-ms': '1500' }, 1_500],
    [{ 'retry-after-ms': '20', 'retry-after': '9' }, 20],
    [{ 'retry-after': 'Sun, 01 Mar 2026 12:00:30 GMT' }, 30_000],
    [{ 'retry-after': 'Sun, 01 Mar 2026 11:59:00 GMT' }, 0],
    [{ 'retry-after': 'soon' }, undefined],
    [{ 'retry-after-ms': '-5' }, undefined],
    [{}, undefined],
  ])('reads %j as %s', (values, expected) => {
    expect(parseRetryAfterMs(headers(values as Record<string, string>), now)).toBe(expected);
  });

  it('accepts missing headers', () => {
    expect(parseRetryAfterMs(undefined)).toBeUndefined();
  });
});

describe('addUsage', () => {
  it('sums token counts', () => {
    expect(addUsage({ tokensIn: 1, tokensOut: 2 }, { tokensIn: 10, tokensOut: 20 })).toEqual({
      tokensIn: 11,
      tokensOut: 22,
    });
    expect(addUsage({ tokensIn: 1, tokensOut: 2 }, undefined)).toEqual({ tokensIn: 1, tokensOut: 2 });
  });
});

describe('callWithRetries', () => {
  it('returns the first success with one request', async () => {
    const attempt = scripted([{ value: 'done', usage: { tokensIn: 5, tokensOut: 1 } }]);

    const result = await callWithRetries(attempt, { maxRetries: 3 });

    expect(result).toEqual({ value: 'done', usage: { tokensIn: 5, tokensOut: 1 }, requests: 1 });
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('retries retryable errors and sums usage', async () => {
    const { delays, sleep } = recordingSleep();
    const attempt = scripted([
      new ModelError('server_error', 'boom', { usage: { tokensIn: 7, tokensOut: 0 } }),
      new ModelError('timeout', 'slow'),
      { value: 'done', usage: { tokensIn: 7, tokensOut: 3 } },
    ]);

    const result = await callWithRetries(attempt, { maxRetries: 3, random: () => 0.5, sleep });

    expect(result).toEqual({ value: 'done', usage: { tokensIn: 14, tokensOut: 3 }, requests: 3 });
    expect(delays).toEqual([500, 1_000]);
  });

  it('honours Retry-After from a rate limit', async () => {
    const { delays, sleep } = recordingSleep();
    const attempt = scripted([
      new ModelError('rate_limited', 'slow down', { status: 429, retryAfterMs: 3_000 }),
      { value: 'done', usage: { tokensIn: 1, tokensOut: 1 } },
    ]);

    await callWithRetries(attempt, { maxRetries: 1, random: () => 0, sleep });

    expect(delays).toEqual([3_000]);
  });

  it('gives up on a Retry-After above maxDelayMs', async () => {
    const { delays, sleep } = recordingSleep();
    const attempt = scripted([new ModelError('rate_limited', 'slow down', { status: 429, retryAfterMs: 90_000 })]);

    const error = await rejection(callWithRetries(attempt, { maxRetries: 4, maxDelayMs: 60_000, sleep }));

    expect(error.code).toBe('rate_limited');
    expect(error.details.retryAfterMs).toBe(90_000);
    expect(error.details.requests).toBe(1);
    expect(delays).toEqual([]);
  });

  it('does not retry a non-retryable error', async () => {
    const { delays, sleep } = recordingSleep();
    const attempt = scripted([new ModelError('unauthorized', 'bad key', { status: 401 })]);

    const error = await rejection(callWithRetries(attempt, { maxRetries: 4, sleep }));

    expect(error.code).toBe('unauthorized');
    expect(error.details.status).toBe(401);
    expect(error.details.requests).toBe(1);
    expect(attempt).toHaveBeenCalledTimes(1);
    expect(delays).toEqual([]);
  });

  it('rethrows errors that are not ModelError', async () => {
    const attempt = scripted([new RangeError('programming error')]);

    await expect(callWithRetries(attempt, { maxRetries: 4 })).rejects.toThrow(RangeError);
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('stops after maxRetries with totals', async () => {
    const { sleep } = recordingSleep();
    const attempt = scripted([
      new ModelError('server_error', 'first', { usage: { tokensIn: 2, tokensOut: 0 } }),
      new ModelError('server_error', 'second', { usage: { tokensIn: 2, tokensOut: 0 } }),
      new ModelError('server_error', 'third', { status: 502 }),
    ]);

    const error = await rejection(callWithRetries(attempt, { maxRetries: 2, sleep }));

    expect(error.message).toBe('third');
    expect(error.details.status).toBe(502);
    expect(error.details.requests).toBe(3);
    expect(error.details.usage).toEqual({ tokensIn: 4, tokensOut: 0 });
  });

  it('aborts while waiting between attempts', async () => {
    const controller = new AbortController();
    const attempt = scripted([new ModelError('server_error', 'boom')]);

    const pending = rejection(
      callWithRetries(attempt, {
        maxRetries: 2,
        baseDelayMs: 60_000,
        random: () => 0.99,
        signal: controller.signal,
      }),
    );
    controller.abort();
    const error = await pending;

    expect(error.code).toBe('aborted');
    expect(error.details.requests).toBe(1);
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('sends nothing when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const attempt = scripted([{ value: 'done', usage: { tokensIn: 1, tokensOut: 1 } }]);

    const error = await rejection(callWithRetries(attempt, { maxRetries: 2, signal: controller.signal }));

    expect(error.code).toBe('aborted');
    expect(attempt).not.toHaveBeenCalled();
  });
});

describe('sleepWithSignal', () => {
  it('resolves after the delay', async () => {
    await expect(sleepWithSignal(1)).resolves.toBeUndefined();
  });

  it('rejects at once on an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();

    await expect(sleepWithSignal(60_000, controller.signal)).rejects.toMatchObject({ code: 'aborted' });
  });
});
