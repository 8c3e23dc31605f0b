import { PipelineName, type RunConfig, type StepKind } from './pipelines';
import { modelQueueName } from './providers';
import {
  FinishRunPayload,
  IngestDocumentPayload,
  JobName,
  JobRetryPolicy,
  ModelPagePayload,
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
  kind: StepKind;
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

/** BullMQ job id of a step's page job. */
export function stepJobId(step: Pick<RunStepRef, 'stepId' | 'kind'>): string {
  return jobIdFor(step.kind === 'ocr' ? JobName.ocrPage : JobName.modelPage, step.stepId);
}

/** Queue that carries a step's page job. */
export function stepQueueName(step: Pick<RunStepRef, 'kind'>, config: RunConfig): string {
  return step.kind === 'ocr' || config.pipeline === 'ocr' ? QueueName.ocr : modelQueueName(config.model.provider);
}

interface FlowJob {
  name: string;
  queueName: string;
  data: unknown;
  opts: Record<string, unknown>;
  children?: FlowJob[];
}

function pageJob(runId: string, step: RunStepRef, config: RunConfig, children: FlowJob[]): FlowJob {
  const isOcr = step.kind === 'ocr';
  const name = isOcr ? JobName.ocrPage : JobName.modelPage;
  const payload = isOcr ? OcrPagePayload : ModelPagePayload;

  return {
    name,
    queueName: stepQueueName(step, config),
    data: payload.parse({ runId, stepId: step.stepId, pageId: step.pageId }),
    opts: {
      ...JobRetryPolicy[name],
      jobId: stepJobId(step),
      // A failed step is recorded in PostgreSQL and the job above it still runs.
      ignoreDependencyOnFailure: true,
      removeOnComplete: true,
      removeOnFail: KEEP_FAILED_JOBS,
    },
    ...(children.length > 0 ? { children } : {}),
  };
}

/**
 * Builds a run as a flow with a `finish-run` parent. Each page contributes one
 * chain: `ocr-page` alone, `model-page` alone (vlm), or `model-page` waiting for
 * its page's `ocr-page` (ocr+llm). `steps` holds only unfinished steps, so the
 * reconciler can rebuild the rest of a run whose jobs Redis lost.
 */
export function runFlow(runId: string, config: RunConfig, steps: readonly RunStepRef[]): FlowJob {
  const byPage = new Map<string, RunStepRef[]>();
  for (const step of steps) {
    byPage.set(step.pageId, [...(byPage.get(step.pageId) ?? []), step]);
  }

  const children: FlowJob[] = [];
  for (const pageSteps of byPage.values()) {
    const ocrStep = pageSteps.find((step) => step.kind === 'ocr');
    const modelStep = pageSteps.find((step) => step.kind !== 'ocr');
    const ocrJobs = ocrStep ? [pageJob(runId, ocrStep, config, [])] : [];
    children.push(...(modelStep ? [pageJob(runId, modelStep, config, ocrJobs)] : ocrJobs));
  }

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
    children,
  };
}

/** Step kinds a pipeline creates for each page, in the order they run. */
export function pipelineStepKinds(pipeline: RunConfig['pipeline']): StepKind[] {
  switch (pipeline) {
    case 'ocr':
      return ['ocr'];
    case 'ocr+llm':
      return ['ocr', 'llm'];
    case 'vlm':
      return ['vlm'];
  }
}

/** Returns the step kind whose result is a page's outcome in a run: the last one its pipeline runs. */
export function finalStepKind(pipeline: string): StepKind {
  const kinds = pipelineStepKinds(PipelineName.parse(pipeline));

  return kinds[kinds.length - 1]!;
}
