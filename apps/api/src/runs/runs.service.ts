import { ConflictException, Injectable, Logger, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import {
  PipelineName,
  RunConfig,
  finalStepKind,
  pipelineStepKinds,
  type CreateRunBody,
  type ModelStepConfig,
  type RunDetail,
  type StepKind,
} from '@quire/contracts';
import type { Prisma } from '@quire/db';

import { toRunSummary } from '../documents/document.mapper';
import { PrismaService } from '../infrastructure/prisma.service';
import { toModelProfileView } from '../profiles/model-profile.mapper';
import { ModelProfilesService } from '../profiles/model-profiles.service';
import { RunFlowService } from './run-flow.service';

const FINISHED_STATES = new Set(['succeeded', 'failed', 'cancelled']);

@Injectable()
export class RunsService {
  private readonly logger = new Logger(RunsService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly flows: RunFlowService,
    private readonly profiles: ModelProfilesService,
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

    const config = await this.freezeConfig(body);
    const kinds = pipelineStepKinds(config.pipeline);
    const run = await this.prisma.client.pipelineRun.create({
      data: {
        documentId,
        pipeline: body.pipeline,
        config: config as Prisma.InputJsonObject,
        pagesTotal: document.pages.length,
        steps: { create: document.pages.flatMap((page) => kinds.map((kind) => ({ pageId: page.id, kind }))) },
      },
      include: { steps: true },
    });

    try {
      await this.flows.enqueue(
        run.id,
        config,
        run.steps.map((step) => ({ stepId: step.id, pageId: step.pageId, kind: step.kind as StepKind })),
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
    // Steps before the run: the worker locks a step, then its run, so taking them in
    // the same order lets the two transactions wait for each other instead of deadlocking.
    const cancelledStepIds = await this.prisma.client.$transaction(async (transaction) => {
      const cancelled = await transaction.pipelineStep.updateManyAndReturn({
        where: { runId, state: 'queued' },
        data: { state: 'cancelled', error: 'Run was cancelled.', finishedAt: now },
        select: { id: true, kind: true },
      });
      await transaction.pipelineRun.update({
        where: { id: runId },
        data: { state: 'cancelled', cancelledAt: now, finishedAt: now },
      });
      return cancelled.map((step) => ({ stepId: step.id, kind: step.kind as StepKind }));
    });
    const removed = await this.flows.removeQueuedPages(runId, RunConfig.parse(run.config), cancelledStepIds);
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

    const kinds = pipelineStepKinds(PipelineName.parse(run.pipeline));
    const steps = [...run.steps].sort(
      (left, right) =>
        left.page.index - right.page.index ||
        kinds.indexOf(left.kind as StepKind) - kinds.indexOf(right.kind as StepKind),
    );
    const finalKind = finalStepKind(run.pipeline);

    return {
      ...toRunSummary(
        run,
        steps.filter((step) => step.kind === finalKind).map((step) => step.state),
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
        tokensIn: step.tokensIn,
        tokensOut: step.tokensOut,
        costUsd: Number(step.costUsd.toString()),
        rawOutput: step.rawOutput,
        startedAt: step.startedAt?.toISOString() ?? null,
        finishedAt: step.finishedAt?.toISOString() ?? null,
      })),
    };
  }

  /** Copies everything the workers need into the run, so later profile edits never change it. */
  private async freezeConfig(body: CreateRunBody): Promise<RunConfig> {
    const ocr = { engine: body.ocrEngine, languages: body.languages, useTextLayer: !body.forceOcr };
    if (body.pipeline === 'ocr') {
      return RunConfig.parse({ pipeline: 'ocr', ocr });
    }

    // CreateRunBody requires a profile for model pipelines.
    const { profile, provider } = await this.profiles.findForRun(body.profile ?? '');
    const view = toModelProfileView(profile);
    const model: ModelStepConfig = {
      profileId: view.id,
      profileName: view.name,
      provider: provider.name,
      providerType: provider.type,
      model: view.model,
      prompt: view.prompt,
      outputSchema: view.outputSchema,
      parameters: view.parameters,
      priceInPerMillionUsd: view.priceInPerMillionUsd,
      priceOutPerMillionUsd: view.priceOutPerMillionUsd,
    };

    return RunConfig.parse(body.pipeline === 'vlm' ? { pipeline: 'vlm', model } : { pipeline: 'ocr+llm', ocr, model });
  }
}
