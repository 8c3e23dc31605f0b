// Drives documents through the running API and worker, one at a time, and records what happened
// and how long each stage took as seen from the client.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import type { OcrWord } from '@quire/models';

import { ApiError } from './api-client.ts';
import type { BenchApi, BenchDocument, BenchPage, BenchRun } from './bench-api.ts';
import { isProcessAlive, readCpuSeconds } from './bench-machine.ts';
import type { ObservedOutcome } from './bench-outcome.ts';
import type { SampleCase, SampleDocument } from './sample-cases.ts';

/**
 * Interval between status requests. Stage times measured by polling are late by up to this much,
 * which is small beside the seconds a page takes.
 */
const POLL_INTERVAL_MS = 100;

export interface PipelinePage extends BenchPage {
  text: string;
  words: OcrWord[];
  stepState: string | null;
  stepError: string | null;
  /** The OCR step's own timing: blob read, recognition and the database writes. */
  stepDurationMs: number | null;
  /** The upright image the step read, saved for the baselines; null when the page was not read. */
  imageFile: string | null;
}

export interface DocumentRun {
  caseId: string;
  file: string;
  withPassword: boolean;
  languages: string[];
  documentId: string | null;
  observed: ObservedOutcome;
  pages: PipelinePage[];
  /** Upload request sent until the document was seen `ready` or `failed`. */
  ingestSeconds: number | null;
  /** Run created until it was seen finished. */
  runSeconds: number | null;
  /** Upload request sent until the run was seen finished. */
  endToEndSeconds: number | null;
  /** CPU time of the worker process (and its finished render children) during the ingest. */
  workerIngestCpuSeconds: number | null;
  /** CPU time of the worker process during the OCR run. */
  workerOcrCpuSeconds: number | null;
  /** CPU time of the API process from the upload until the run finished, status requests included. */
  apiCpuSeconds: number | null;
}

export interface PipelineContext {
  api: BenchApi;
  /** Folder the upright page images are saved into. */
  imageDirectory: string;
  workerPid: number | undefined;
  apiPid: number | undefined;
  /** Limit for each of ingest and run of one document. */
  timeoutMs: number;
}

class StageTimeoutError extends Error {}

/** Uploads one document, waits for its ingest, runs OCR on it and collects every page's result. */
export async function runDocument(
  context: PipelineContext,
  sampleCase: SampleCase,
  document: SampleDocument,
  caseFolder: string,
): Promise<DocumentRun> {
  const { api } = context;
  const result: DocumentRun = {
    caseId: sampleCase.id,
    file: document.file,
    withPassword: document.password !== undefined,
    languages: [...sampleCase.languages],
    documentId: null,
    observed: { stage: 'error', httpStatus: null, error: null, pages: 0, rotations: [], text: '', workerAlive: null },
    pages: [],
    ingestSeconds: null,
    runSeconds: null,
    endToEndSeconds: null,
    workerIngestCpuSeconds: null,
    workerOcrCpuSeconds: null,
    apiCpuSeconds: null,
  };
  // Documents run one at a time, so the CPU time the two processes use meanwhile is this document's.
  const workerCpu = () => readCpuSeconds(context.workerPid);
  const apiCpu = () => readCpuSeconds(context.apiPid);
  const finish = (changes: Partial<ObservedOutcome>): DocumentRun => {
    result.observed = { ...result.observed, ...changes, workerAlive: isProcessAlive(context.workerPid) };
    return result;
  };

  const bytes = await readFile(path.join(caseFolder, document.file));
  const apiCpuAtUpload = apiCpu();
  const workerCpuAtUpload = workerCpu();
  const uploadedAt = performance.now();
  let ingested: BenchDocument;
  try {
    const uploaded = await api.upload(document.file, bytes, document.password);
    result.documentId = uploaded.id;
    ingested = await waitForIngest(api, uploaded, context.timeoutMs);
    result.ingestSeconds = (performance.now() - uploadedAt) / 1000;
    result.workerIngestCpuSeconds = difference(workerCpu(), workerCpuAtUpload);
  } catch (error) {
    if (error instanceof ApiError && result.documentId === null) {
      return finish({ stage: 'rejected at upload', httpStatus: error.status, error: error.message });
    }
    return finish({ stage: error instanceof StageTimeoutError ? 'timed out' : 'error', error: messageOf(error) });
  }
  const rotations = ingested.pages.map((page) => page.rotation);
  if (ingested.state !== 'ready') {
    return finish({ stage: 'ingest failed', error: ingested.ingestError, pages: ingested.pageCount ?? 0, rotations });
  }

  const workerCpuAtRun = workerCpu();
  const runStartedAt = performance.now();
  let run: BenchRun;
  try {
    run = await waitForRun(api, await api.startRun(ingested.id, sampleCase.languages), context.timeoutMs);
  } catch (error) {
    const stage = error instanceof StageTimeoutError ? 'timed out' : 'error';
    return finish({ stage, error: messageOf(error), pages: ingested.pages.length, rotations });
  }
  result.runSeconds = (performance.now() - runStartedAt) / 1000;
  result.endToEndSeconds = (performance.now() - uploadedAt) / 1000;
  result.workerOcrCpuSeconds = difference(workerCpu(), workerCpuAtRun);
  result.apiCpuSeconds = difference(apiCpu(), apiCpuAtUpload);

  result.pages = await collectPages(context, ingested, run, `${sampleCase.id}__${path.parse(document.file).name}`);
  const stepErrors = run.steps.filter((step) => step.error).map((step) => `page ${step.pageIndex + 1}: ${step.error}`);

  return finish({
    // waitForRun returns only finished runs, so a queued or running state cannot reach here.
    stage: run.state === 'queued' || run.state === 'running' ? 'error' : run.state,
    error: [run.error, ...stepErrors].filter(Boolean).join('; ') || null,
    pages: ingested.pages.length,
    rotations,
    text: result.pages.map((page) => page.text).join('\n'),
  });
}

async function collectPages(
  context: PipelineContext,
  document: BenchDocument,
  run: BenchRun,
  imagePrefix: string,
): Promise<PipelinePage[]> {
  const pages: PipelinePage[] = [];
  for (const page of [...document.pages].sort((a, b) => a.index - b.index)) {
    const step = run.steps.find((candidate) => candidate.pageId === page.id);
    const transcription = step?.state === 'succeeded' ? await context.api.latestTranscription(page.id) : undefined;
    let imageFile: string | null = null;
    if (transcription) {
      imageFile = path.join(context.imageDirectory, `${imagePrefix}__page${page.index + 1}.png`);
      await writeFile(imageFile, await context.api.pageImage(page.id));
    }
    pages.push({
      ...page,
      text: transcription?.text ?? '',
      words: transcription?.words ?? [],
      stepState: step?.state ?? null,
      stepError: step?.error ?? null,
      stepDurationMs: step?.durationMs ?? null,
      imageFile,
    });
  }

  return pages;
}

export interface ThroughputMeasurement {
  runs: number;
  pages: number;
  failedRuns: number;
  /** First run created until the last run was seen finished. */
  wallSeconds: number;
  /** Mean of the OCR step timings of these runs, which ran side by side. */
  meanStepSeconds: number | null;
}

/**
 * Starts one OCR run on each document at the same time and measures the wall time until all have
 * finished, so the worker reads as many pages at once as its concurrency allows.
 */
export async function measureRunThroughput(
  api: BenchApi,
  documents: readonly { documentId: string; languages: readonly string[] }[],
  timeoutMs: number,
): Promise<ThroughputMeasurement> {
  const startedAt = performance.now();
  const started = await Promise.all(documents.map((document) => api.startRun(document.documentId, document.languages)));
  const finished = await Promise.all(started.map((run) => waitForRun(api, run, timeoutMs)));
  const wallSeconds = (performance.now() - startedAt) / 1000;

  const durations = finished
    .flatMap((run) => run.steps.map((step) => step.durationMs))
    .filter((value) => value !== null);

  return {
    runs: finished.length,
    pages: finished.reduce((sum, run) => sum + run.steps.length, 0),
    failedRuns: finished.filter((run) => run.state !== 'succeeded').length,
    wallSeconds,
    meanStepSeconds:
      durations.length === 0 ? null : durations.reduce((sum, value) => sum + value, 0) / durations.length / 1000,
  };
}

async function waitForIngest(api: BenchApi, uploaded: BenchDocument, timeoutMs: number): Promise<BenchDocument> {
  const deadline = Date.now() + timeoutMs;
  let document = uploaded;
  while (document.state === 'uploaded' || document.state === 'ingesting') {
    if (Date.now() > deadline) {
      throw new StageTimeoutError(`ingest of document ${uploaded.id} did not finish within ${timeoutMs / 1000} s`);
    }
    await sleep(POLL_INTERVAL_MS);
    document = await api.getDocument(uploaded.id);
  }

  return document;
}

async function waitForRun(api: BenchApi, started: BenchRun, timeoutMs: number): Promise<BenchRun> {
  const deadline = Date.now() + timeoutMs;
  let run = started;
  while (run.state === 'queued' || run.state === 'running') {
    if (Date.now() > deadline) {
      throw new StageTimeoutError(`run ${started.id} did not finish within ${timeoutMs / 1000} s`);
    }
    await sleep(POLL_INTERVAL_MS);
    run = await api.getRun(started.id);
  }

  return run;
}

function difference(after: number | null, before: number | null): number | null {
  return after === null || before === null ? null : after - before;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
