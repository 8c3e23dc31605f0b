// Baseline for the model step: the `openai` SDK alone, sending chat completion bodies to an
// OpenAI-compatible endpoint with nothing of Quire around it, one at a time or several at once.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';

import { mean } from './bench-statistics.ts';

/** Requests sent in a row with the same bodies, timed from the first send to the last reply. */
export interface EndpointSeries {
  requests: number;
  /** Requests open at once. */
  concurrency: number;
  wallSeconds: number;
  /** Wall time divided by requests. */
  secondsPerRequest: number;
  requestsPerSecond: number;
  /** Mean time from sending a request to reading its reply. */
  meanLatencySeconds: number;
}

export interface EndpointOptions {
  /** OpenAI-compatible base URL ending in `/v1`. */
  baseUrl: string;
  /** Limit for one request, in milliseconds. */
  requestTimeoutMs: number;
}

/**
 * Sends every body once through one SDK client, `concurrency` at a time, and times them. One
 * untimed request with the first body goes first, so the figures leave out the client's first
 * connection and the first run of the SDK's code.
 */
export async function timeEndpoint(
  options: EndpointOptions,
  bodies: readonly ChatCompletionCreateParamsNonStreaming[],
  concurrency: number,
): Promise<EndpointSeries> {
  const [first] = bodies;
  if (first === undefined) {
    throw new RangeError('The endpoint baseline needs at least one request body.');
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a whole number of at least 1, got ${concurrency}.`);
  }
  // Built as the provider adapter builds its client, so the SDK does the same work per request.
  const client = new OpenAI({
    apiKey: 'bench-endpoint-key',
    baseURL: options.baseUrl,
    organization: null,
    project: null,
    maxRetries: 0,
    timeout: options.requestTimeoutMs,
  });
  await client.chat.completions.create(first);

  const latencies: number[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < bodies.length) {
      const body = bodies[next]!;
      next += 1;
      const sentAt = performance.now();
      await client.chat.completions.create(body);
      latencies.push((performance.now() - sentAt) / 1000);
    }
  };
  const startedAt = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, bodies.length) }, lane));
  const wallSeconds = (performance.now() - startedAt) / 1000;

  return {
    requests: bodies.length,
    concurrency,
    wallSeconds,
    secondsPerRequest: wallSeconds / bodies.length,
    requestsPerSecond: bodies.length / wallSeconds,
    meanLatencySeconds: mean(latencies) ?? Number.NaN,
  };
}

/**
 * Reads a request body as a provider received it. Throws when it is not a chat completion body,
 * which means the recorded request was not one Quire sent to the chat completions route.
 */
export function parseChatCompletionBody(rawBody: string): ChatCompletionCreateParamsNonStreaming {
  const body = JSON.parse(rawBody) as { model?: unknown; messages?: unknown; stream?: unknown } | null;
  if (body === null || typeof body !== 'object' || typeof body.model !== 'string' || !Array.isArray(body.messages)) {
    throw new Error('A recorded request body is not a chat completion body with "model" and "messages".');
  }
  if (body.stream === true) {
    throw new Error('A recorded request body asks for a streamed reply, which the baseline does not send.');
  }

  return body as unknown as ChatCompletionCreateParamsNonStreaming;
}

/**
 * Returns the version of the `openai` package that this file loads, after checking that the
 * provider adapter in `packages/models` loads the same copy, so the baseline runs the same SDK.
 */
export function sdkVersionSharedWithModels(repositoryRoot: string): string {
  const ours = packageFolder(fileURLToPath(import.meta.resolve('openai')));
  const requireFromModels = createRequire(path.join(repositoryRoot, 'packages', 'models', 'package.json'));
  const models = packageFolder(requireFromModels.resolve('openai'));
  if (ours !== models) {
    throw new Error(
      `The benchmark loads openai from ${ours} but packages/models loads it from ${models}; ` +
        'run `npm ci` so that one copy serves both.',
    );
  }

  return (JSON.parse(readFileSync(path.join(ours, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Finds the nearest folder above `file` whose package.json is that of the `openai` package. */
function packageFolder(file: string): string {
  let folder = path.dirname(file);
  for (;;) {
    const manifest = path.join(folder, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'openai') {
      return folder;
    }
    const parent = path.dirname(folder);
    if (parent === folder) {
      throw new Error(`No package.json of the openai package above ${file}.`);
    }
    folder = parent;
  }
}
