import { z } from 'zod';

/**
 * Queue and job names. These strings are stored in Redis with every queued
 * job, so they are constants that never follow a class or file rename.
 */
export const QueueName = {
  ingest: 'ingest',
  ocr: 'ocr',
  runs: 'runs',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const JobName = {
  ingestDocument: 'ingest-document',
  ocrPage: 'ocr-page',
  /** A text or vision model step; it runs on the queue of the profile's provider (see `modelQueueName`). */
  modelPage: 'model-page',
  finishRun: 'finish-run',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

/** Payloads carry ids only; the worker loads everything else from PostgreSQL. */
export const IngestDocumentPayload = z.object({
  documentId: z.uuid(),
  // Redis key suffix of a short-lived password entry; the password itself never enters a payload.
  passwordSecretId: z.uuid().optional(),
});
export type IngestDocumentPayload = z.infer<typeof IngestDocumentPayload>;

export const OcrPagePayload = z.object({
  runId: z.uuid(),
  stepId: z.uuid(),
  pageId: z.uuid(),
});
export type OcrPagePayload = z.infer<typeof OcrPagePayload>;

export const ModelPagePayload = OcrPagePayload;
export type ModelPagePayload = OcrPagePayload;

export const FinishRunPayload = z.object({
  runId: z.uuid(),
});
export type FinishRunPayload = z.infer<typeof FinishRunPayload>;

export interface JobPayloads {
  [JobName.ingestDocument]: IngestDocumentPayload;
  [JobName.ocrPage]: OcrPagePayload;
  [JobName.modelPage]: ModelPagePayload;
  [JobName.finishRun]: FinishRunPayload;
}

/** Retry policy per job, declared once so the API and the worker agree on it. */
export const JobRetryPolicy = {
  [JobName.ingestDocument]: { attempts: 3, backoff: { type: 'exponential', delay: 2_000 } },
  [JobName.ocrPage]: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 } },
  // Each attempt already retries rate limits and server errors inside the provider call.
  [JobName.modelPage]: { attempts: 3, backoff: { type: 'exponential', delay: 10_000 } },
  [JobName.finishRun]: { attempts: 5, backoff: { type: 'exponential', delay: 1_000 } },
} as const;

/**
 * Builds the BullMQ job id of a database row. BullMQ rejects custom ids that are
 * all digits or contain ':', so ids are `<job name>-<uuid>`.
 */
export function jobIdFor(jobName: JobName, rowId: string, attempt?: number): string {
  return attempt === undefined ? `${jobName}-${rowId}` : `${jobName}-${rowId}-${attempt}`;
}

/** Redis key (under the queue prefix) of the password entry named by a payload's `passwordSecretId`. */
export function ingestSecretKey(prefix: string, secretId: string): string {
  return `${prefix}:ingest-secret:${secretId}`;
}

/** Seconds a password stays in Redis for the ingest job that needs it. */
export const INGEST_SECRET_TTL_SECONDS = 3_600;
