import { Inject, Injectable, Logger } from '@nestjs/common';
import { IngestDocumentPayload, JobName, QueueName, ingestSecretKey, type MediaType } from '@quire/contracts';
import { Prisma } from '@quire/db';
import type { TesseractOrientationDetector } from '@quire/models';
import type { BlobStore } from '@quire/storage';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import sharp from 'sharp';

import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config';
import { PrismaService } from '../infrastructure/prisma.service';
import { BLOB_STORE, ORIENTATION_DETECTOR, REDIS } from '../infrastructure/tokens';
import type { JobHandler } from '../queues/job-handler';
import { isFinalAttempt, parsePayload } from '../queues/job-helpers';
import { IngestError, rasterizeDocument, type RasterPage } from './raster';
import { rotateBox } from './rotate-box';

/**
 * Turns an uploaded file into upright page images: renders or splits pages,
 * detects each page's orientation, and stores the original and upright images.
 */
@Injectable()
export class IngestDocumentHandler implements JobHandler<typeof JobName.ingestDocument> {
  readonly queueName = QueueName.ingest;
  readonly jobName = JobName.ingestDocument;
  private readonly logger = new Logger(IngestDocumentHandler.name);

  constructor(
    private readonly prisma: PrismaService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(ORIENTATION_DETECTOR) private readonly orientation: TesseractOrientationDetector,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {}

  async handle(job: Job<IngestDocumentPayload>): Promise<{ pages: number }> {
    const payload = parsePayload(IngestDocumentPayload, job);
    const document = await this.prisma.client.document.findUnique({ where: { id: payload.documentId } });
    if (!document) {
      throw new UnrecoverableError(`Document ${payload.documentId} was not found; it may have been deleted.`);
    }
    if (document.state === 'ready') {
      return { pages: document.pageCount ?? 0 };
    }

    const startedAt = Date.now();
    await this.prisma.client.document.update({
      where: { id: document.id },
      data: { state: 'ingesting', ingestError: null },
    });

    try {
      const password = await this.readPassword(payload.passwordSecretId);
      const filePath = await this.blobs.localPath(document.blobKey);
      let pageCount = 0;
      for await (const page of rasterizeDocument(filePath, document.mediaType as MediaType, {
        password,
        limits: {
          maxPagePixels: this.config.MAX_PAGE_PIXELS,
          dpi: this.config.RENDER_DPI,
          timeoutMs: this.config.RENDER_TIMEOUT_MS,
          maxChildMemoryMb: this.config.RENDER_MAX_MEMORY_MB,
        },
      })) {
        await this.storePage(document.id, page);
        pageCount += 1;
        await job.updateProgress({ pagesDone: pageCount });
      }

      await this.prisma.client.$transaction([
        // Pages left from an earlier, longer attempt of the same document.
        this.prisma.client.page.deleteMany({ where: { documentId: document.id, index: { gte: pageCount } } }),
        this.prisma.client.document.update({
          where: { id: document.id },
          data: { state: 'ready', pageCount, ingestError: null },
        }),
      ]);
      await this.forgetPassword(payload.passwordSecretId);
      this.logger.log(
        { documentId: document.id, pages: pageCount, durationMs: Date.now() - startedAt },
        'Document ingested.',
      );

      return { pages: pageCount };
    } catch (error) {
      await this.recordFailure(job, document.id, payload.passwordSecretId, error);
      throw error instanceof IngestError ? new UnrecoverableError(error.message) : error;
    }
  }

  private async storePage(documentId: string, page: RasterPage): Promise<void> {
    const orientation = await this.orientation.detect(page.png);
    const upright =
      orientation.rotation === 0
        ? { png: page.png, width: page.width, height: page.height }
        : await rotatePng(page.png, orientation.rotation, page.dpi);
    const [original, uprightBlob] = await Promise.all([this.blobs.put(page.png), this.blobs.put(upright.png)]);
    const textLayer = page.textLayer?.map((word) => ({
      text: word.text,
      bbox: rotateBox(word.bbox, orientation.rotation, page.width, page.height),
    }));

    const fields = {
      imageBlobKey: uprightBlob.key,
      width: upright.width,
      height: upright.height,
      dpi: page.dpi,
      originalBlobKey: original.key,
      originalWidth: page.width,
      originalHeight: page.height,
      rotation: orientation.rotation,
      orientationConfidence: orientation.confidence,
      textLayer: textLayer && textLayer.length > 0 ? (textLayer as unknown as Prisma.InputJsonValue) : Prisma.DbNull,
    };
    await this.prisma.client.page.upsert({
      where: { documentId_index: { documentId, index: page.index } },
      create: { documentId, index: page.index, ...fields },
      update: fields,
    });
  }

  private async readPassword(secretId: string | undefined): Promise<string | undefined> {
    if (!secretId) {
      return undefined;
    }

    const password = await this.redis.get(ingestSecretKey(this.config.QUEUE_PREFIX, secretId));
    if (password === null) {
      throw new IngestError(
        'password_required',
        'The password sent with this upload expired before ingest ran; upload the file again with the password field.',
      );
    }

    return password;
  }

  private async forgetPassword(secretId: string | undefined): Promise<void> {
    if (secretId) {
      await this.redis.del(ingestSecretKey(this.config.QUEUE_PREFIX, secretId));
    }
  }

  private async recordFailure(
    job: Job,
    documentId: string,
    secretId: string | undefined,
    error: unknown,
  ): Promise<void> {
    const permanent = error instanceof IngestError;
    if (!permanent && !isFinalAttempt(job)) {
      this.logger.warn(
        { documentId, attempt: job.attemptsMade + 1, err: error },
        'Ingest attempt failed; BullMQ will retry.',
      );
      return;
    }

    const reason = error instanceof Error ? error.message : String(error);
    await this.prisma.client.document.update({
      where: { id: documentId },
      data: { state: 'failed', ingestError: reason },
    });
    await this.forgetPassword(secretId);
    this.logger.warn({ documentId, code: permanent ? error.code : 'unexpected', reason }, 'Ingest failed.');
  }
}

async function rotatePng(
  png: Buffer,
  rotation: 90 | 180 | 270,
  dpi: number | null,
): Promise<{ png: Buffer; width: number; height: number }> {
  const rotated = sharp(png).rotate(rotation);
  const { data, info } = await (dpi === null ? rotated : rotated.withDensity(dpi))
    .png()
    .toBuffer({ resolveWithObject: true });

  return { png: data, width: info.width, height: info.height };
}
