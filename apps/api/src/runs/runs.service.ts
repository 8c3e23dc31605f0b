import { ConflictException, Injectable, Logger, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { OcrRunConfig, StepKind, type CreateRunBody, type RunDetail } from '@quire/contracts';

import { toRunSummary } from '../documents/document.mapper';
import { PrismaService } from '../infrastructure/prisma.service';
import { RunFlowService } from './run-flow.service';

const FINISHED_STATES = new Set(['succeeded', 'failed', 'cancelled']);

@Injectable()
export class RunsService {
  private readonly logger = new Logger(RunsService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly flows: RunFlowService,
  ) {}

  async create(documentId: string, body: CreateRunBody): Promise<RunDetail> {
    const document = await this.prisma.client.document.findUnique({
      where: { id: documentId },
      include: { pages: { orderBy: { index: 'asc' }, select: { id: true } } },
    });
    if (!document) {
      throw new NotFoundException(`Document ${documentId} was not found.`);
    }
    if (document.state !== 'ready') {
      const reason =
        document.state === 'failed'
          ? `its ingest failed: ${(document.ingestError ?? 'unknown reason').replace(/\.$/, '')}`
          : `it is still ${document.state}`;
      throw new ConflictException(`Document ${documentId} cannot be run because ${reason}.`);
    }

    const config = OcrRunConfig.parse({ pipeline: body.pipeline, engine: 'tesseract.js', languages: body.languages });
    const run = await this.prisma.client.pipelineRun.create({
      data: {
        documentId,
        pipeline: body.pipeline,
        config,
        pagesTotal: document.pages.length,
        steps: { create: document.pages.map((page) => ({ pageId: page.id, kind: StepKind.ocr })) },
      },
      include: { steps: true },
    });

    try {
      await this.flows.enqueue(
        run.id,
        run.steps.map((step) => ({ stepId: step.id, pageId: step.pageId })),
      );
    } catch (error) {
      this.logger.error({ runId: run.id, err: error }, 'Could not enqueue run.');
      await this.prisma.client.pipelineRun.update({
        where: { id: run.id },
        data: {
          state: 'failed',
          error: 'The run could not be queued because Redis was unavailable.',
          finishedAt: new Date(),
        },
      });
      throw new ServiceUnavailableException(
        `Run ${run.id} could not be queued because Redis is unavailable; start it again once Redis is back.`,
      );
    }
    this.logger.log({ runId: run.id, documentId, pages: run.steps.length }, 'Run queued.');

    return this.get(run.id);
  }

  async cancel(runId: string): Promise<RunDetail> {
    const run = await this.prisma.client.pipelineRun.findUnique({ where: { id: runId } });
    if (!run) {
      throw new NotFoundException(`Run ${runId} was not found.`);
    }
    if (FINISHED_STATES.has(run.state)) {
      throw new ConflictException(`Run ${runId} is already ${run.state} and cannot be cancelled.`);
    }

    const now = new Date();
    const cancelledStepIds = await this.prisma.client.$transaction(async (transaction) => {
      await transaction.pipelineRun.update({
        where: { id: runId },
        data: { state: 'cancelled', cancelledAt: now, finishedAt: now },
      });
      const queued = await transaction.pipelineStep.findMany({
        where: { runId, state: 'queued' },
        select: { id: true },
      });
      await transaction.pipelineStep.updateMany({
        where: { runId, state: 'queued' },
        data: { state: 'cancelled', error: 'Run was cancelled.', finishedAt: now },
      });
      return queued.map((step) => step.id);
    });
    const removed = await this.flows.removeQueuedPages(runId, cancelledStepIds);
    this.logger.log({ runId, cancelledSteps: cancelledStepIds.length, removedJobs: removed }, 'Run cancelled.');

    return this.get(runId);
  }

  async get(runId: string): Promise<RunDetail> {
    const run = await this.prisma.client.pipelineRun.findUnique({
      where: { id: runId },
      include: { steps: { include: { page: { select: { index: true } } } } },
    });
    if (!run) {
      throw new NotFoundException(`Run ${runId} was not found.`);
    }

    const steps = [...run.steps].sort((left, right) => left.page.index - right.page.index);
    return {
      ...toRunSummary(
        run,
        steps.map((step) => step.state),
      ),
      config: run.config as Record<string, unknown>,
      steps: steps.map((step) => ({
        id: step.id,
        pageId: step.pageId,
        pageIndex: step.page.index,
        kind: step.kind,
        state: step.state,
        attempts: step.attempts,
        error: step.error,
        durationMs: step.durationMs,
        startedAt: step.startedAt?.toISOString() ?? null,
        finishedAt: step.finishedAt?.toISOString() ?? null,
      })),
    };
  }
}
