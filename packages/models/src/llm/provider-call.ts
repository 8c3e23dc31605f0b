import { performance } from 'node:perf_hooks';

import { ModelError, type ModelCallOptions, type ModelRequest, type ModelResult, type ModelUsage } from './model';
import { callWithRetries, type ModelRetryTiming } from './model-retry';

/** One reply of a provider, read from its wire format. */
export interface ProviderReply {
  text: string;
  /** Model id the provider reports, when it reports one. */
  model: string | undefined;
  finishReason: string | null;
  usage: ModelUsage;
}

/**
 * Sends a request through `sendOnce` with retries (`callWithRetries`) and
 * builds the `ModelResult`, with usage and request counts over every attempt.
 */
export async function generateWithRetries(
  request: ModelRequest,
  options: ModelCallOptions,
  retry: ModelRetryTiming & { maxRetries: number },
  sendOnce: () => Promise<ProviderReply>,
): Promise<ModelResult> {
  const startedAt = performance.now();

  const { value, usage, requests } = await callWithRetries(
    async () => {
      const reply = await sendOnce();
      return { value: reply, usage: reply.usage };
    },
    { ...retry, signal: options.signal },
  );

  return {
    text: value.text,
    usage,
    model: value.model ?? request.model,
    finishReason: value.finishReason,
    requests,
    durationMs: Math.round(performance.now() - startedAt),
  };
}

/**
 * Runs one provider request under `options.timeoutMs` and the caller's signal.
 * The timeout is an abort signal of its own, so a timeout is known by which
 * signal fired rather than by an SDK's error class: inside Jest's vm context
 * SDKs cannot recognise fetch's AbortError. Other errors go through `toModelError`.
 */
export async function sendWithinTimeout<T>(
  provider: string,
  options: ModelCallOptions,
  send: (signal: AbortSignal) => Promise<T>,
  toModelError: (error: unknown) => ModelError,
): Promise<T> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), options.timeoutMs);
  const signal = options.signal === undefined ? timeout.signal : AbortSignal.any([options.signal, timeout.signal]);

  try {
    return await send(signal);
  } catch (error) {
    if (options.signal?.aborted) {
      throw new ModelError('aborted', `The request to provider ${provider} was aborted by the caller.`, {
        cause: error,
      });
    }
    if (timeout.signal.aborted) {
      throw providerTimeoutError(provider, options.timeoutMs, error);
    }
    throw toModelError(error);
  } finally {
    clearTimeout(timer);
  }
}

export function providerTimeoutError(provider: string, timeoutMs: number, cause: unknown): ModelError {
  return new ModelError('timeout', `Provider ${provider} did not reply within ${timeoutMs} ms.`, { cause });
}
