// Measures what Quire adds around a model call. The pages of one document go through the vlm
// pipeline (and the ocr+llm pipeline) of the built API and worker, against a fake OpenAI-compatible
// server on 127.0.0.1 whose fixed reply delay takes the place of the model's latency. The baseline is the `openai`
// SDK alone, sending the exact request bodies Quire sent to a second fake server with the same
// delay, one at a time and with the provider's concurrency.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

import { finalStepKind, modelQueueName, QueueName, type RunDetail } from '@quire/contracts';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';

import type { ApiClient } from './api-client.ts';
import { buildModelBenchDocument } from './bench-model-document.ts';
import {
  parseChatCompletionBody,
  sdkVersionSharedWithModels,
  timeEndpoint,
  type EndpointSeries,
} from './bench-model-endpoint.ts';
import { describeMachine, type MachineInfo } from './bench-machine.ts';
import { obliterateQueues } from './bench-queue-overhead.ts';
import { mean, median } from './bench-statistics.ts';
import { startStack } from './stack.ts';

export { modelOverheadRows, renderModelOverhead, type ModelOverheadRow } from './bench-model-report.ts';

type FakeServerModule = typeof import('@quire/models/dist/testing/index.js');
type FakeServer = Awaited<ReturnType<FakeServerModule['startFakeOpenAiServer']>>;

/** Provider name in the stack's environment, so its queue is `model-bench`. */
const PROVIDER_NAME = 'bench';
/** High enough that BullMQ's rate limiter never delays a job during the measurement. */
const REQUESTS_PER_MINUTE = 100_000;
const POLL_INTERVAL_MS = 100;
const VISION_PROFILE = 'bench-model-overhead-vlm';
const TEXT_PROFILE = 'bench-model-overhead-text';
const MODEL_ID = 'bench/fake-model';
/** The fake model's reply to every page, about 150 words, which is the size of a short page transcription. */
const REPLY_TEXT = Array.from(
  { length: 15 },
  (_, line) => `Line ${line + 1} of the transcribed page reads as written.`,
).join('\n');

export const MODEL_OVERHEAD_DEFAULTS = {
  pages: 40,
  concurrency: 4,
  replyDelayMs: 200,
  includeOcrLlm: true,
  timeoutMs: 10 * 60_000,
  queuePrefix: 'quire-bench-model',
} as const;

export interface ModelOverheadOptions {
  repositoryRoot: string;
  /**
   * Environment of the API and worker: DATABASE_URL (a migrated database), REDIS_URL and BLOB_DIR.
   * The provider, queue prefix and metadata server variables are set on top of it.
   */
  env: NodeJS.ProcessEnv;
  /** Pages of the document, and requests in each baseline series. */
  pages?: number;
  /** PROVIDER_BENCH_MAX_CONCURRENCY, and requests open at once in the concurrent baseline. */
  concurrency?: number;
  /** Delay of the fake server before every reply, in milliseconds, in place of the model's latency. */
  replyDelayMs?: number;
  /** Also run ocr+llm over the same document. */
  includeOcrLlm?: boolean;
  /** Limit for the ingest, and again for each run, in milliseconds. */
  timeoutMs?: number;
  /** Start of the BullMQ prefix. A random suffix keeps each measurement's queues apart, and they are removed at the end. */
  queuePrefix?: string;
  /** Receives progress lines. Defaults to console.log. */
  log?: (message: string) => void;
}

/** One run of a model pipeline over the whole document. */
export interface PipelineMeasurement {
  pipeline: 'vlm' | 'ocr+llm';
  runId: string;
  state: string;
  pages: number;
  /** Pages whose model step succeeded. */
  succeededPages: number;
  /** From just before the run was requested to the run's `finishedAt`. */
  wallSeconds: number;
  wallSecondsPerPage: number;
  pagesPerSecond: number;
  /** `durationMs` of the model steps that have one. */
  meanModelStepSeconds: number | null;
  medianModelStepSeconds: number | null;
  /** `durationMs` of the OCR steps (ocr+llm only). */
  meanOcrStepSeconds: number | null;
  /** Model requests the provider received during the run. */
  providerRequests: number;
  /** Maximum number of model requests open at once at the provider, from the stack's start to the end of this run. */
  maxInFlightSoFar: number;
  /** The first step error, when a step failed. */
  firstError: string | null;
}

export interface ModelOverheadResult {
  machine: MachineInfo;
  loadAverage: { start: number[]; end: number[] };
  settings: {
    providerName: string;
    pages: number;
    concurrency: number;
    replyDelayMs: number;
    requestsPerMinute: number;
    queuePrefix: string;
    openaiSdkVersion: string;
    meanPageImageBytes: number | null;
    meanVisionBodyBytes: number | null;
    meanTextBodyBytes: number | null;
  };
  vlm: PipelineMeasurement;
  ocrLlm: PipelineMeasurement | null;
  endpoint: {
    visionSequential: EndpointSeries;
    visionConcurrent: EndpointSeries;
    textSequential: EndpointSeries | null;
    textConcurrent: EndpointSeries | null;
  };
  notes: string[];
}

interface ResolvedOptions {
  repositoryRoot: string;
  env: NodeJS.ProcessEnv;
  pages: number;
  concurrency: number;
  replyDelayMs: number;
  includeOcrLlm: boolean;
  timeoutMs: number;
  queuePrefix: string;
  log: (message: string) => void;
}

interface RunOutcome {
  measurement: PipelineMeasurement;
  /** Bodies of the model requests of the run, as the provider received them. */
  rawBodies: string[];
  meanImageBytes: number | null;
}

/**
 * Measures the model step of the vlm (and ocr+llm) pipeline beside the bare SDK. Starts and stops
 * its own fake provider servers and its own API and worker processes, and removes its queues.
 */
export async function measureModelOverhead(options: ModelOverheadOptions): Promise<ModelOverheadResult> {
  const resolved = resolveOptions(options);
  const openaiSdkVersion = sdkVersionSharedWithModels(resolved.repositoryRoot);
  const fakeServers = await loadFakeServers();
  const machine = describeMachine(new Date());
  const loadAtStart = os.loadavg();
  const notes: string[] = [];

  resolved.log(
    `Model overhead: ${resolved.pages} pages through vlm${resolved.includeOcrLlm ? ' and ocr+llm' : ''}, ` +
      `provider concurrency ${resolved.concurrency}, fake model replying after ${resolved.replyDelayMs} ms.`,
  );
  const providerServer = await fakeServers.startFakeOpenAiServer({
    replyDelayMs: resolved.replyDelayMs,
    responder: () => REPLY_TEXT,
  });
  let vlm: RunOutcome;
  let ocrLlm: RunOutcome | null;
  try {
    ({ vlm, ocrLlm } = await runPipelines(resolved, providerServer));
  } finally {
    await providerServer.close();
  }

  const visionBodies = vlm.rawBodies.map(parseChatCompletionBody);
  const textBodies = (ocrLlm?.rawBodies ?? []).map(parseChatCompletionBody);
  resolved.log('Model overhead: replaying the same request bodies through the bare openai SDK.');
  const endpoint = await timeEndpointSeries(resolved, fakeServers, visionBodies, textBodies);

  for (const { measurement } of [vlm, ...(ocrLlm === null ? [] : [ocrLlm])]) {
    if (measurement.firstError !== null) {
      notes.push(
        `${measurement.pipeline}: ${measurement.pages - measurement.succeededPages} page(s) failed; ` +
          `first error: ${measurement.firstError}`,
      );
    }
    if (measurement.providerRequests !== measurement.pages) {
      // Retries or correction rounds add requests, and the baseline replays every one of them.
      notes.push(
        `${measurement.pipeline}: the provider received ${measurement.providerRequests} requests for ${measurement.pages} pages.`,
      );
    }
  }

  return {
    machine,
    loadAverage: { start: loadAtStart, end: os.loadavg() },
    settings: {
      providerName: PROVIDER_NAME,
      pages: resolved.pages,
      concurrency: resolved.concurrency,
      replyDelayMs: resolved.replyDelayMs,
      requestsPerMinute: REQUESTS_PER_MINUTE,
      queuePrefix: resolved.queuePrefix,
      openaiSdkVersion,
      meanPageImageBytes: vlm.meanImageBytes,
      meanVisionBodyBytes: mean(vlm.rawBodies.map((body) => Buffer.byteLength(body))),
      meanTextBodyBytes: ocrLlm === null ? null : mean(ocrLlm.rawBodies.map((body) => Buffer.byteLength(body))),
    },
    vlm: vlm.measurement,
    ocrLlm: ocrLlm?.measurement ?? null,
    endpoint,
    notes,
  };
}

function resolveOptions(options: ModelOverheadOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    repositoryRoot: options.repositoryRoot,
    env: options.env,
    pages: options.pages ?? MODEL_OVERHEAD_DEFAULTS.pages,
    concurrency: options.concurrency ?? MODEL_OVERHEAD_DEFAULTS.concurrency,
    replyDelayMs: options.replyDelayMs ?? MODEL_OVERHEAD_DEFAULTS.replyDelayMs,
    includeOcrLlm: options.includeOcrLlm ?? MODEL_OVERHEAD_DEFAULTS.includeOcrLlm,
    timeoutMs: options.timeoutMs ?? MODEL_OVERHEAD_DEFAULTS.timeoutMs,
    queuePrefix: `${options.queuePrefix ?? MODEL_OVERHEAD_DEFAULTS.queuePrefix}-${randomUUID().slice(0, 8)}`,
    log: options.log ?? ((message) => console.log(message)),
  };
  for (const key of ['pages', 'concurrency'] as const) {
    if (!Number.isInteger(resolved[key]) || resolved[key] < 1) {
      throw new RangeError(`${key} must be a whole number of at least 1, got ${resolved[key]}.`);
    }
  }
  if (!Number.isFinite(resolved.replyDelayMs) || resolved.replyDelayMs < 0) {
    throw new RangeError(`replyDelayMs must be 0 or more, got ${resolved.replyDelayMs}.`);
  }
  if (!/^[A-Za-z0-9_-]+$/.test(resolved.queuePrefix)) {
    throw new RangeError(`queuePrefix may contain letters, digits, "-" and "_" only, got "${resolved.queuePrefix}".`);
  }

  return resolved;
}

/**
 * Loads the fake provider servers from the models package's build. They are loaded here rather
 * than at the top of the file so that a build from before they were built names the fix.
 */
async function loadFakeServers(): Promise<FakeServerModule> {
  try {
    return await import('@quire/models/dist/testing/index.js');
  } catch (error) {
    throw new Error(
      'The fake provider servers (packages/models/dist/testing) could not be loaded; run `npm run build` first.',
      { cause: error },
    );
  }
}

/** Starts the API and worker against the fake provider, runs the pipelines, then stops them and removes the queues. */
async function runPipelines(
  options: ResolvedOptions,
  providerServer: FakeServer,
): Promise<{ vlm: RunOutcome; ocrLlm: RunOutcome | null }> {
  const stack = await startStack(options.repositoryRoot, {
    ...options.env,
    METADATA_SERVER_DETECTION: 'none',
    QUEUE_PREFIX: options.queuePrefix,
    PROVIDER_BENCH_TYPE: 'openai',
    PROVIDER_BENCH_BASE_URL: providerServer.baseUrl,
    PROVIDER_BENCH_MAX_CONCURRENCY: String(options.concurrency),
    PROVIDER_BENCH_REQUESTS_PER_MINUTE: String(REQUESTS_PER_MINUTE),
  });
  try {
    await saveProfiles(stack.api);
    const documentId = await uploadDocument(stack.api, options);
    options.log(`Model overhead: document of ${options.pages} pages ready; running vlm.`);
    const vlm = await measureRun(stack.api, providerServer, documentId, 'vlm', options);
    let ocrLlm: RunOutcome | null = null;
    if (options.includeOcrLlm) {
      options.log('Model overhead: running ocr+llm on the same document.');
      ocrLlm = await measureRun(stack.api, providerServer, documentId, 'ocr+llm', options);
    }

    return { vlm, ocrLlm };
  } finally {
    await stack.stop();
    await obliterateQueues(options.env.REDIS_URL ?? 'redis://127.0.0.1:6379', options.queuePrefix, [
      ...Object.values(QueueName),
      modelQueueName(PROVIDER_NAME),
    ]);
  }
}

async function saveProfiles(api: ApiClient): Promise<void> {
  const common = {
    provider: PROVIDER_NAME,
    model: MODEL_ID,
    outputSchema: null,
    parameters: { temperature: 0, maxOutputTokens: 2048 },
    priceInPerMillionUsd: null,
    priceOutPerMillionUsd: null,
  };
  await api.saveProfile({
    ...common,
    name: VISION_PROFILE,
    prompt: 'Transcribe all the text on this page image in reading order, keeping line breaks.',
  });
  await api.saveProfile({
    ...common,
    name: TEXT_PROFILE,
    prompt: 'Correct the OCR errors in this page text and return the corrected text only.',
  });
}

async function uploadDocument(api: ApiClient, options: ResolvedOptions): Promise<string> {
  const pdf = await buildModelBenchDocument(options.pages);
  const uploaded = await api.upload(pdf.filename, pdf.bytes);
  const deadline = Date.now() + options.timeoutMs;
  let document = await api.getDocument(uploaded.id);
  while (document.state === 'uploaded' || document.state === 'ingesting') {
    if (Date.now() > deadline) {
      throw new Error(`The ingest of document ${uploaded.id} did not finish within ${options.timeoutMs / 1000} s.`);
    }
    await sleep(POLL_INTERVAL_MS);
    document = await api.getDocument(uploaded.id);
  }
  if (document.state !== 'ready' || document.pageCount !== options.pages) {
    throw new Error(
      `Document ${uploaded.id} ended ${document.state} with ${document.pageCount ?? 0} of ${options.pages} pages` +
        `${document.ingestError ? `: ${document.ingestError}` : ''}; see the worker log.`,
    );
  }

  return document.id;
}

async function measureRun(
  api: ApiClient,
  providerServer: FakeServer,
  documentId: string,
  pipeline: 'vlm' | 'ocr+llm',
  options: ResolvedOptions,
): Promise<RunOutcome> {
  const firstRequest = providerServer.requests.length;
  const requestedAt = Date.now();
  const started = await api.startRun(documentId, {
    pipeline,
    profile: pipeline === 'vlm' ? VISION_PROFILE : TEXT_PROFILE,
  });
  const run = await waitForRun(api, started.id, options.timeoutMs);
  // finishedAt is written by the worker's finish-run job with the same system clock as Date.now()
  // here, so the wall time does not depend on how often the run is polled.
  const finishedAt = run.finishedAt === null ? Date.now() : Date.parse(run.finishedAt);
  const modelRequests = providerServer.requests.slice(firstRequest).filter((request) => request.normalised !== null);

  return {
    measurement: summarizeRun(run, pipeline, (finishedAt - requestedAt) / 1000, {
      providerRequests: modelRequests.length,
      maxInFlightSoFar: providerServer.maxInFlight,
    }),
    rawBodies: modelRequests.map((request) => request.rawBody),
    meanImageBytes: mean(
      modelRequests.flatMap((request) => request.normalised?.images ?? []).map((image) => image.data.length),
    ),
  };
}

async function waitForRun(api: ApiClient, runId: string, timeoutMs: number): Promise<RunDetail> {
  const deadline = Date.now() + timeoutMs;
  let run = await api.getRun(runId);
  while (run.state === 'queued' || run.state === 'running') {
    if (Date.now() > deadline) {
      throw new Error(
        `Run ${runId} did not finish within ${timeoutMs / 1000} s (${run.progress.done} of ${run.progress.total} pages done).`,
      );
    }
    await sleep(POLL_INTERVAL_MS);
    run = await api.getRun(runId);
  }

  return run;
}

/** Reduces a finished run to the figures the report compares. */
export function summarizeRun(
  run: RunDetail,
  pipeline: 'vlm' | 'ocr+llm',
  wallSeconds: number,
  provider: { providerRequests: number; maxInFlightSoFar: number },
): PipelineMeasurement {
  const modelKind = finalStepKind(pipeline);
  const modelSteps = run.steps.filter((step) => step.kind === modelKind);
  const seconds = (kind: string) =>
    run.steps.filter((step) => step.kind === kind && step.durationMs !== null).map((step) => step.durationMs! / 1000);
  const modelSeconds = seconds(modelKind);
  const pages = modelSteps.length;

  return {
    pipeline,
    runId: run.id,
    state: run.state,
    pages,
    succeededPages: modelSteps.filter((step) => step.state === 'succeeded').length,
    wallSeconds,
    wallSecondsPerPage: wallSeconds / pages,
    pagesPerSecond: pages / wallSeconds,
    meanModelStepSeconds: mean(modelSeconds),
    medianModelStepSeconds: median(modelSeconds),
    meanOcrStepSeconds: pipeline === 'ocr+llm' ? mean(seconds('ocr')) : null,
    providerRequests: provider.providerRequests,
    maxInFlightSoFar: provider.maxInFlightSoFar,
    firstError: run.steps.find((step) => step.error !== null)?.error ?? null,
  };
}

/** Times the recorded bodies through the bare SDK against a fresh fake server with the same delay. */
async function timeEndpointSeries(
  options: ResolvedOptions,
  fakeServers: FakeServerModule,
  visionBodies: readonly ChatCompletionCreateParamsNonStreaming[],
  textBodies: readonly ChatCompletionCreateParamsNonStreaming[],
): Promise<ModelOverheadResult['endpoint']> {
  const server = await fakeServers.startFakeOpenAiServer({
    replyDelayMs: options.replyDelayMs,
    responder: () => REPLY_TEXT,
  });
  try {
    const endpoint = { baseUrl: server.baseUrl, requestTimeoutMs: Math.max(60_000, options.replyDelayMs * 10) };

    return {
      visionSequential: await timeEndpoint(endpoint, visionBodies, 1),
      visionConcurrent: await timeEndpoint(endpoint, visionBodies, options.concurrency),
      textSequential: textBodies.length === 0 ? null : await timeEndpoint(endpoint, textBodies, 1),
      textConcurrent: textBodies.length === 0 ? null : await timeEndpoint(endpoint, textBodies, options.concurrency),
    };
  } finally {
    await server.close();
  }
}
