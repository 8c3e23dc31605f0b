import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobName, OcrPagePayload, QueueName, RunConfig, type OcrStepConfig } from '@quire/contracts';
import { Prisma, type Page } from '@quire/db';
import { OcrError, assessTextLayer, textLayerToOcrResult, type OcrResult, type TextLayerWord } from '@quire/models';
import type { BlobStore } from '@quire/storage';
import { UnrecoverableError, type Job } from 'bullmq';

import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config';
import { PrismaService } from '../infrastructure/prisma.service';
import { BLOB_STORE } from '../infrastructure/tokens';
import type { JobHandler } from '../queues/job-handler';
import { isFinalAttempt, parsePayload } from '../queues/job-helpers';
import { loadStepToRun, markStepRunning } from '../runs/step-lifecycle';
import { OcrEnginesService } from './ocr-engines.service';

type StepOutcome = 'succeeded' | 'skipped';

/**
 * Reads one page with the run's OCR engine, or from the PDF's own text layer
 * when it is usable and the run allows it, and stores the result as a revision.
 */
@Injectable()
export class OcrPageHandler implements JobHandler<typeof JobName.ocrPage> {
  readonly queueName = QueueName.ocr;
  readonly jobName = JobName.ocrPage;
  private readonly logger = new Logger(OcrPageHandler.name);

  constructor(
    private readonly prisma: PrismaService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly engines: OcrEnginesService,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {}

  async handle(job: Job<OcrPagePayload>): Promise<StepOutcome> {
    const payload = parsePayload(OcrPagePayload, job);
    const step = await loadStepToRun(this.prisma.client, payload.stepId);
    if (!step) {
      return 'skipped';
    }

    const startedAt = new Date();
    await markStepRunning(this.prisma.client, step, startedAt);

    try {
      const config = RunConfig.parse(step.run.config);
      if (config.pipeline === 'vlm') {
        throw new OcrError('engine_failed', `Run ${step.runId} uses the vlm pipeline, which has no OCR step.`);
      }
      const result = await this.read(step.page, config.ocr);

      return await this.saveResult(step.id, step.pageId, result, startedAt);
    } catch (error) {
      await this.recordFailure(job, step.id, startedAt, error);
      throw isPermanent(error) ? new UnrecoverableError(errorMessage(error)) : error;
    }
  }

  private async read(page: Page, config: OcrStepConfig): Promise<OcrResult> {
    if (config.useTextLayer && page.textLayer !== null) {
      const words = page.textLayer as unknown as TextLayerWord[];
      const assessment = assessTextLayer(words, { width: page.width, height: page.height });
      if (assessment.usable) {
        return textLayerToOcrResult(words, config.languages);
      }
      this.logger.log({ pageId: page.id, reason: assessment.reason }, 'Text layer not usable; running OCR.');
    }

    const engine = await this.engines.resolve(config.engine, config.languages);
    const image = await this.blobs.get(page.imageBlobKey);

    return engine.recognize(image, { languages: config.languages, timeoutMs: this.config.OCR_TIMEOUT_MS });
  }

  /**
   * Writes the revision and marks the step done in one transaction. The unique
   * step id on the revision makes a second delivery of the same job a no-op.
   */
  private async saveResult(stepId: string, pageId: string, result: OcrResult, startedAt: Date): Promise<StepOutcome> {
    const finishedAt = new Date();
    try {
      await this.prisma.client.$transaction([
        this.prisma.client.transcription.create({
          data: {
            pageId,
            source: 'model',
            stepId,
            text: result.text,
            words: result.words as unknown as Prisma.InputJsonValue,
            meanConfidence: result.meanConfidence,
            engine: result.engine,
            languages: result.languages,
          },
        }),
        this.prisma.client.pipelineStep.update({
          where: { id: stepId },
          data: { state: 'succeeded', error: null, finishedAt, durationMs: finishedAt.getTime() - startedAt.getTime() },
        }),
      ]);
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        this.logger.warn({ stepId }, 'Step already has a revision; duplicate delivery ignored.');
        return 'skipped';
      }
      throw error;
    }
    this.logger.log(
      { stepId, pageId, engine: result.engine, words: result.words.length, durationMs: result.durationMs },
      'Page read.',
    );

    return 'succeeded';
  }

  private async recordFailure(job: Job, stepId: string, startedAt: Date, error: unknown): Promise<void> {
    const final = isPermanent(error) || isFinalAttempt(job);
    const finishedAt = new Date();
    await this.prisma.client.pipelineStep.update({
      where: { id: stepId },
      data: {
        state: final ? 'failed' : 'queued',
        error: errorMessage(error),
        ...(final ? { finishedAt, durationMs: finishedAt.getTime() - startedAt.getTime() } : {}),
      },
    });
    this.logger.warn({ stepId, attempt: job.attemptsMade + 1, final, err: error }, 'Page OCR failed.');
  }
}

function isPermanent(error: unknown): boolean {
  return error instanceof OcrError && error.code === 'language_not_installed';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
