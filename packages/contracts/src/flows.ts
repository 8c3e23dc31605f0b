import {
  FinishRunPayload,
  IngestDocumentPayload,
  JobName,
  JobRetryPolicy,
  OcrPagePayload,
  QueueName,
  jobIdFor,
} from './queues';

/**
 * Job descriptions in the shape BullMQ's `Queue.add` and `FlowProducer.add` take,
 * built in one place so the API and the worker's reconciler queue identical jobs.
 */

const KEEP_FAILED_JOBS = { count: 1_000 };

export interface RunStepRef {
  stepId: string;
  pageId: string;
}

export function ingestJob(documentId: string, ingestAttempt: number, passwordSecretId?: string) {
  return {
    name: JobName.ingestDocument,
    data: IngestDocumentPayload.parse({ documentId, passwordSecretId }),
    opts: {
      ...JobRetryPolicy[JobName.ingestDocument],
      jobId: jobIdFor(JobName.ingestDocument, documentId, ingestAttempt),
      removeOnComplete: true,
      removeOnFail: KEEP_FAILED_JOBS,
    },
  };
}

/**
 * Builds a run as a flow: a `finish-run` parent and one `ocr-page` child per step.
 * Children carry `ignoreDependencyOnFailure`, so a failed page is recorded and
 * the parent still runs once every page is done.
 */
export function runFlow(runId: string, steps: readonly RunStepRef[]) {
  return {
    name: JobName.finishRun,
    queueName: QueueName.runs,
    data: FinishRunPayload.parse({ runId }),
    opts: {
      ...JobRetryPolicy[JobName.finishRun],
      jobId: jobIdFor(JobName.finishRun, runId),
      removeOnComplete: true,
      removeOnFail: KEEP_FAILED_JOBS,
    },
    children: steps.map((step) => ({
      name: JobName.ocrPage,
      queueName: QueueName.ocr,
      data: OcrPagePayload.parse({ runId, stepId: step.stepId, pageId: step.pageId }),
      opts: {
        ...JobRetryPolicy[JobName.ocrPage],
        jobId: jobIdFor(JobName.ocrPage, step.stepId),
        ignoreDependencyOnFailure: true,
        removeOnComplete: true,
        removeOnFail: KEEP_FAILED_JOBS,
      },
    })),
  };
}
