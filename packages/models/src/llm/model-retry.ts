import { ModelError, type ModelUsage } from './model';

/*
 * Retries are written here rather than taken from npm: p-retry 5 and later are
 * ESM-only while this package compiles to CommonJS, and neither p-retry (any
 * version) nor async-retry reads the delay a provider sends in `Retry-After`.
 */

export type SleepFunction = (delayMs: number, signal?: AbortSignal) => Promise<void>;

export interface RetryOptions {
  /** Retries after the first request; 0 sends one request only. */
  maxRetries: number;
  /** Upper bound of the first backoff window, in milliseconds. */
  baseDelayMs?: number;
  /** Maximum wait between two requests, in milliseconds. */
  maxDelayMs?: number;
  /** Stops waiting and retrying when aborted. */
  signal?: AbortSignal;
  /** Source of jitter in [0, 1); tests pass a fixed value. */
  random?: () => number;
  /** Waits between requests; tests pass one that records the delay and returns at once. */
  sleep?: SleepFunction;
}

/** Retry timing overrides for a provider model; tests pass a recording `sleep` and a fixed `random`. */
export type ModelRetryTiming = Omit<RetryOptions, 'maxRetries' | 'signal'>;

/** Outcome of one successful request, as returned to `callWithRetries`. */
export interface AttemptOutcome<T> {
  value: T;
  usage: ModelUsage;
}

export interface RetriedResult<T> {
  value: T;
  /** Usage summed over every request, failed ones included when the provider reported it. */
  usage: ModelUsage;
  /** Requests sent, 1 when the first succeeded. */
  requests: number;
}

export const DEFAULT_BASE_DELAY_MS = 1_000;
export const DEFAULT_MAX_DELAY_MS = 60_000;

const ZERO_USAGE: ModelUsage = { tokensIn: 0, tokensOut: 0 };

export function addUsage(left: ModelUsage, right: ModelUsage | undefined): ModelUsage {
  if (right === undefined) {
    return left;
  }

  return { tokensIn: left.tokensIn + right.tokensIn, tokensOut: left.tokensOut + right.tokensOut };
}

/**
 * Computes the wait before retry number `retryIndex` (0 for the first retry):
 * full-jitter exponential backoff, uniform in [0, min(maxDelayMs, baseDelayMs * 2^retryIndex)),
 * raised to the provider's `retryAfterMs` when it sent one. Returns null when
 * the provider requests a longer wait than `maxDelayMs`.
 */
export function computeRetryDelayMs(
  retryIndex: number,
  options: { baseDelayMs: number; maxDelayMs: number; random: () => number; retryAfterMs?: number },
): number | null {
  const window = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retryIndex);
  const jittered = Math.floor(options.random() * window);
  if (options.retryAfterMs === undefined) {
    return jittered;
  }
  if (options.retryAfterMs > options.maxDelayMs) {
    return null;
  }

  return Math.max(jittered, Math.ceil(options.retryAfterMs));
}

/**
 * Reads the delay a provider asked for, in milliseconds: `retry-after-ms`
 * (sent by OpenAI and some compatible servers) first, then `Retry-After` as
 * seconds or as an HTTP date. Returns undefined when neither header is usable.
 */
export function parseRetryAfterMs(
  headers: { get(name: string): string | null | undefined } | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  const milliseconds = headers?.get('retry-after-ms')?.trim();
  if (milliseconds && /^\d+(\.\d+)?$/.test(milliseconds)) {
    return Math.ceil(Number(milliseconds));
  }

  const value = headers?.get('retry-after')?.trim();
  if (!value) {
    return undefined;
  }
  if (/^\d+(\.\d+)?$/.test(value)) {
    return Math.ceil(Number(value) * 1000);
  }
  const date = Date.parse(value);
  if (Number.isNaN(date)) {
    return undefined;
  }

  return Math.max(0, date - nowMs);
}

/** Resolves after `delayMs`, or rejects with an `aborted` ModelError as soon as `signal` aborts. */
export const sleepWithSignal: SleepFunction = (delayMs, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortedError(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

function abortedError(signal: AbortSignal | undefined): ModelError {
  return new ModelError('aborted', 'The model call was aborted by the caller.', { cause: signal?.reason });
}

/**
 * Calls `attempt` until it succeeds, retrying only a `ModelError` whose
 * `retryable` is true, at most `maxRetries` times. The error that ends the
 * call carries the usage and request count of every attempt.
 */
export async function callWithRetries<T>(
  attempt: (attemptIndex: number) => Promise<AttemptOutcome<T>>,
  options: RetryOptions,
): Promise<RetriedResult<T>> {
  const baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? sleepWithSignal;
  let usage = ZERO_USAGE;

  for (let attemptIndex = 0; ; attemptIndex += 1) {
    if (options.signal?.aborted) {
      throw withTotals(abortedError(options.signal), usage, attemptIndex);
    }

    let failure: ModelError;
    try {
      const outcome = await attempt(attemptIndex);

      return { value: outcome.value, usage: addUsage(usage, outcome.usage), requests: attemptIndex + 1 };
    } catch (error) {
      if (!(error instanceof ModelError)) {
        throw error;
      }
      failure = error;
    }

    usage = addUsage(usage, failure.details.usage);
    const requests = attemptIndex + 1;
    if (!failure.retryable || attemptIndex >= options.maxRetries) {
      throw withTotals(failure, usage, requests);
    }

    // A provider that requests a longer pause than maxDelayMs is not waited
    // for here. The error goes up as rate_limited, so the job-level retry
    // (BullMQ, with its own backoff) tries the page again later.
    const delayMs = computeRetryDelayMs(attemptIndex, {
      baseDelayMs,
      maxDelayMs,
      random,
      retryAfterMs: failure.details.retryAfterMs,
    });
    if (delayMs === null) {
      throw withTotals(failure, usage, requests);
    }

    try {
      await sleep(delayMs, options.signal);
    } catch (error) {
      throw withTotals(error instanceof ModelError ? error : abortedError(options.signal), usage, requests);
    }
  }
}

/** Copies `error` with the totals of the whole call, since `details` is read-only. */
function withTotals(error: ModelError, usage: ModelUsage, requests: number): ModelError {
  const copy = new ModelError(error.code, error.message, { ...error.details, usage, requests });
  copy.stack = error.stack;

  return copy;
}
