import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobName, ModelPagePayload, RunConfig, type ModelStepConfig } from '@quire/contracts';
import { Prisma, type Page, type PipelineStep, type Transcription } from '@quire/db';
import {
  ModelError,
  estimateCostUsd,
  fitImageForModel,
  runModelTask,
  type ModelTaskInput,
  type ModelUsage,
} from '@quire/models';
import type { BlobStore } from '@quire/storage';
import { UnrecoverableError, type Job } from 'bullmq';

import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config';
import { PrismaService } from '../infrastructure/prisma.service';
import { BLOB_STORE } from '../infrastructure/tokens';
import { PROVIDER_QUEUES, type JobHandler } from '../queues/job-handler';
import { isFinalAttempt, parsePayload } from '../queues/job-helpers';
import { loadStepToRun, markStepRunning } from '../runs/step-lifecycle';
import { ModelProvidersService } from './model-providers.service';

type StepOutcome = 'succeeded' | 'skipped';

/** A failure that no retry can fix, with what the step should keep for review. */
class PermanentStepError extends Error {
  constructor(
    message: string,
    readonly rawOutput: string | null = null,
  ) {
    super(message);
  }
}

/**
 * Runs a page's model step: the page text from its OCR step through a text
 * model (ocr+llm), or the page image through a vision model (vlm). Stores the
 * reply, and the fields when the profile has an output schema, as a revision.
 */
@Injectable()
export class ModelPageHandler implements JobHandler<typeof JobName.modelPage> {
  readonly queueName = PROVIDER_QUEUES;
  readonly jobName = JobName.modelPage;
  private readonly logger = new Logger(ModelPageHandler.name);

  constructor(
    private readonly prisma: PrismaService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly providers: ModelProvidersService,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {}

  async handle(job: Job<ModelPagePayload>): Promise<StepOutcome> {
    const payload = parsePayload(ModelPagePayload, job);
    const step = await loadStepToRun(this.prisma.client, payload.stepId);
    if (!step) {
      return 'skipped';
    }

    const startedAt = new Date();
    await markStepRunning(this.prisma.client, step, startedAt);

    let usage: ModelUsage = { tokensIn: 0, tokensOut: 0 };
    let model: ModelStepConfig | undefined;
    try {
      const config = RunConfig.parse(step.run.config);
      if (config.pipeline === 'ocr') {
        throw new PermanentStepError(`Run ${step.runId} uses the ocr pipeline, which has no model step.`);
      }
      model = config.model;
      const provider = this.providers.get(model.provider);
      if (!provider) {
        throw new PermanentStepError(
          `Provider "${model.provider}" is not configured on this worker; set the same PROVIDER_* variables as on the API.`,
        );
      }
      const { input, parent } = await this.loadInput(step, step.page, config.pipeline);

      const result = await runModelTask(
        provider.model,
        input,
        { model: model.model, prompt: model.prompt, outputSchema: model.outputSchema, parameters: model.parameters },
        { timeoutMs: provider.config.timeoutMs },
      );
      usage = result.usage;

      return await this.saveResult(step, model, parent, result, startedAt);
    } catch (error) {
      if (error instanceof ModelError && error.details.usage) {
        usage = error.details.usage;
      }
      await this.recordFailure(job, step, model, usage, startedAt, error);
      throw isPermanent(error) ? new UnrecoverableError(errorMessage(error)) : error;
    }
  }

  /** The model's input: the OCR revision's text (ocr+llm) or the upright page image (vlm). */
  private async loadInput(
    step: PipelineStep,
    page: Page,
    pipeline: 'ocr+llm' | 'vlm',
  ): Promise<{ input: ModelTaskInput; parent: Transcription | null }> {
    if (pipeline === 'vlm') {
      const image = await fitImageForModel(await this.blobs.get(page.imageBlobKey), this.config.VLM_MAX_IMAGE_SIDE);
      if (image.resized) {
        this.logger.debug({ stepId: step.id, width: image.width, height: image.height }, 'Page image scaled down.');
      }

      return { input: { kind: 'vision', image: image.data, mediaType: 'image/png' }, parent: null };
    }

    const ocrStep = await this.prisma.client.pipelineStep.findUnique({
      where: { runId_pageId_kind: { runId: step.runId, pageId: step.pageId, kind: 'ocr' } },
      include: { transcription: true },
    });
    if (ocrStep?.state !== 'succeeded' || !ocrStep.transcription) {
      const reason = ocrStep?.error ? `: ${ocrStep.error.replace(/\.$/, '')}` : '';
      throw new PermanentStepError(`The page's OCR step did not succeed${reason}, so there is no text for the model.`);
    }

    return { input: { kind: 'text', documentText: ocrStep.transcription.text }, parent: ocrStep.transcription };
  }

  /**
   * Writes the revision, the step's usage and the run's running totals in one
   * transaction. The unique step id on the revision makes a repeated delivery a no-op.
   */
  private async saveResult(
    step: PipelineStep,
    model: ModelStepConfig,
    parent: Transcription | null,
    result: Awaited<ReturnType<typeof runModelTask>>,
    startedAt: Date,
  ): Promise<StepOutcome> {
    const finishedAt = new Date();
    const costUsd = stepCost(model, result.usage);
    try {
      await this.prisma.client.$transaction([
        this.prisma.client.transcription.create({
          data: {
            pageId: step.pageId,
            source: 'model',
            stepId: step.id,
            parentId: parent?.id ?? null,
            text: result.text,
            words: [],
            fields: result.fields === null ? Prisma.DbNull : (result.fields as Prisma.InputJsonValue),
            engine: `${model.provider}/${model.model}`,
            languages: parent?.languages ?? [],
          },
        }),
        this.prisma.client.pipelineStep.update({
          where: { id: step.id },
          data: {
            state: 'succeeded',
            error: null,
            rawOutput: null,
            tokensIn: result.usage.tokensIn,
            tokensOut: result.usage.tokensOut,
            costUsd,
            finishedAt,
            durationMs: finishedAt.getTime() - startedAt.getTime(),
          },
        }),
        this.addToRunTotals(step.runId, result.usage, costUsd),
      ]);
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        this.logger.warn({ stepId: step.id }, 'Step already has a revision; duplicate delivery ignored.');
        return 'skipped';
      }
      throw error;
    }
    this.logger.log(
      { stepId: step.id, pageId: step.pageId, ...result.usage, requests: result.requests, attempts: result.attempts },
      'Model step done.',
    );

    return 'succeeded';
  }

  /** Records the error; tokens a failed attempt consumed still count towards the run's cost. */
  private async recordFailure(
    job: Job,
    step: PipelineStep,
    model: ModelStepConfig | undefined,
    usage: ModelUsage,
    startedAt: Date,
    error: unknown,
  ): Promise<void> {
    const final = isPermanent(error) || isFinalAttempt(job);
    const finishedAt = new Date();
    const costUsd = model ? stepCost(model, usage) : 0;
    await this.prisma.client.$transaction([
      this.prisma.client.pipelineStep.update({
        where: { id: step.id },
        data: {
          state: final ? 'failed' : 'queued',
          error: errorMessage(error),
          rawOutput: rawOutputOf(error),
          tokensIn: { increment: usage.tokensIn },
          tokensOut: { increment: usage.tokensOut },
          costUsd: { increment: costUsd },
          ...(final ? { finishedAt, durationMs: finishedAt.getTime() - startedAt.getTime() } : {}),
        },
      }),
      this.addToRunTotals(step.runId, usage, costUsd),
    ]);
    this.logger.warn({ stepId: step.id, attempt: job.attemptsMade + 1, final, err: error }, 'Model step failed.');
  }

  private addToRunTotals(runId: string, usage: ModelUsage, costUsd: number) {
    return this.prisma.client.pipelineRun.update({
      where: { id: runId },
      data: {
        tokensIn: { increment: usage.tokensIn },
        tokensOut: { increment: usage.tokensOut },
        costUsd: { increment: costUsd },
      },
    });
  }
}

function stepCost(model: ModelStepConfig, usage: ModelUsage): number {
  return estimateCostUsd(usage, model.priceInPerMillionUsd, model.priceOutPerMillionUsd) ?? 0;
}

/** Output that failed validation, and refusals or bad requests, will fail again; rate limits and outages may not. */
function isPermanent(error: unknown): boolean {
  if (error instanceof PermanentStepError) {
    return true;
  }

  return error instanceof ModelError && !error.retryable;
}

function rawOutputOf(error: unknown): string | null {
  if (error instanceof PermanentStepError) {
    return error.rawOutput;
  }

  return error instanceof ModelError ? (error.details.rawOutput ?? null) : null;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
