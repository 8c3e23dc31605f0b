import {
  finalStepKind,
  type DocumentDetail,
  type DocumentSummary,
  type PageSummary,
  type RunProgress,
  type RunSummary,
} from '@quire/contracts';
import type { Document, Page, PipelineRun, StepState } from '@quire/db';

/** Pure mappings from database rows to API shapes. */

export function toDocumentSummary(document: Document): DocumentSummary {
  return {
    id: document.id,
    filename: document.filename,
    mediaType: document.mediaType,
    sizeBytes: Number(document.sizeBytes),
    sha256: document.sha256,
    state: document.state,
    ingestError: document.ingestError,
    pageCount: document.pageCount,
    createdAt: document.createdAt.toISOString(),
    updatedAt: document.updatedAt.toISOString(),
  };
}

export function toPageSummary(page: Page): PageSummary {
  return {
    id: page.id,
    index: page.index,
    width: page.width,
    height: page.height,
    dpi: page.dpi,
    rotation: page.rotation,
    orientationConfidence: page.orientationConfidence,
    originalWidth: page.originalWidth,
    originalHeight: page.originalHeight,
    hasTextLayer: page.textLayer !== null,
    imageUrl: `/api/pages/${page.id}/image`,
  };
}

export function summarizeProgress(stepStates: readonly StepState[]): RunProgress {
  const count = (state: StepState) => stepStates.filter((candidate) => candidate === state).length;
  const succeeded = count('succeeded');
  const failed = count('failed');
  const cancelled = count('cancelled');

  return { total: stepStates.length, done: succeeded + failed + cancelled, succeeded, failed, cancelled };
}

export function toRunSummary(run: PipelineRun, stepStates: readonly StepState[]): RunSummary {
  return {
    id: run.id,
    documentId: run.documentId,
    pipeline: run.pipeline,
    state: run.state,
    progress: summarizeProgress(stepStates),
    error: run.error,
    tokensIn: run.tokensIn,
    tokensOut: run.tokensOut,
    costUsd: Number(run.costUsd.toString()),
    createdAt: run.createdAt.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}

export function toDocumentDetail(
  document: Document & { pages: Page[]; runs: (PipelineRun & { steps: { state: StepState; kind: string }[] })[] },
): DocumentDetail {
  return {
    ...toDocumentSummary(document),
    pages: document.pages.map(toPageSummary),
    runs: document.runs.map((run) =>
      toRunSummary(
        run,
        run.steps.filter((step) => step.kind === finalStepKind(run.pipeline)).map((step) => step.state),
      ),
    ),
  };
}
