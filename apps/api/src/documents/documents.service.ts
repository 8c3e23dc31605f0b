import {
  BadRequestException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import {
  SUPPORTED_MEDIA_TYPES,
  sniffMediaType,
  type DocumentDetail,
  type DocumentList,
  type DocumentSummary,
  type ListDocumentsQuery,
} from '@quire/contracts';
import { Prisma, type Document } from '@quire/db';
import type { BlobStore } from '@quire/storage';
import { createHash } from 'node:crypto';

import { BLOB_STORE } from '../infrastructure/tokens';
import { PrismaService } from '../infrastructure/prisma.service';
import { toDocumentDetail, toDocumentSummary } from './document.mapper';
import { IngestQueueService } from './ingest-queue.service';

export interface UploadedFile {
  originalname: string;
  size: number;
  buffer: Buffer;
}

export interface UploadResult {
  document: DocumentSummary;
  created: boolean;
}

@Injectable()
export class DocumentsService {
  private readonly logger = new Logger(DocumentsService.name);

  constructor(
    private readonly prisma: PrismaService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly ingestQueue: IngestQueueService,
  ) {}

  async upload(file: UploadedFile | undefined, password: string | undefined): Promise<UploadResult> {
    if (!file) {
      throw new BadRequestException('Missing multipart field "file": attach the document to upload as "file".');
    }
    if (file.size === 0 || file.buffer.length === 0) {
      throw new BadRequestException(`File "${file.originalname}" is empty (0 bytes).`);
    }
    const mediaType = sniffMediaType(file.buffer.subarray(0, 64));
    if (!mediaType) {
      throw new UnsupportedMediaTypeException(
        `File "${file.originalname}" is not a supported type: its first bytes match none of ${SUPPORTED_MEDIA_TYPES.join(', ')}.`,
      );
    }

    const sha256 = createHash('sha256').update(file.buffer).digest('hex');
    const existing = await this.prisma.client.document.findUnique({ where: { sha256 } });
    if (existing) {
      return { document: toDocumentSummary(await this.resumeIngestIfNeeded(existing, password)), created: false };
    }

    const blob = await this.blobs.put(file.buffer);
    let document: Document;
    try {
      document = await this.prisma.client.document.create({
        data: {
          filename: file.originalname,
          mediaType,
          sizeBytes: BigInt(file.size),
          sha256,
          blobKey: blob.key,
          ingestAttempts: 1,
        },
      });
    } catch (error) {
      // Two uploads of the same bytes raced; the other one created the document.
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        const winner = await this.prisma.client.document.findUniqueOrThrow({ where: { sha256 } });
        return { document: toDocumentSummary(winner), created: false };
      }
      throw error;
    }

    await this.enqueueIngest(document, password);
    this.logger.log({ documentId: document.id, mediaType, sizeBytes: file.size }, 'Document uploaded.');

    return { document: toDocumentSummary(document), created: true };
  }

  async list(query: ListDocumentsQuery): Promise<DocumentList> {
    const where = query.state ? { state: query.state } : {};
    const [documents, total] = await this.prisma.client.$transaction([
      this.prisma.client.document.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
        skip: (query.page - 1) * query.pageSize,
        take: query.pageSize,
      }),
      this.prisma.client.document.count({ where }),
    ]);

    return { items: documents.map(toDocumentSummary), total, page: query.page, pageSize: query.pageSize };
  }

  async get(id: string): Promise<DocumentDetail> {
    const document = await this.prisma.client.document.findUnique({
      where: { id },
      include: {
        pages: { orderBy: { index: 'asc' } },
        runs: { orderBy: { createdAt: 'desc' }, include: { steps: { select: { state: true } } } },
      },
    });
    if (!document) {
      throw new NotFoundException(`Document ${id} was not found.`);
    }

    return toDocumentDetail(document);
  }

  /**
   * Re-enqueues ingest for a document whose ingest never got queued (Redis was
   * down at upload) or failed, when the new upload brings a password.
   */
  private async resumeIngestIfNeeded(document: Document, password: string | undefined): Promise<Document> {
    const neverQueued = document.state === 'uploaded';
    const retryWithPassword = document.state === 'failed' && password !== undefined;
    if (!neverQueued && !retryWithPassword) {
      return document;
    }

    const updated = await this.prisma.client.document.update({
      where: { id: document.id },
      data: {
        state: 'uploaded',
        ingestError: null,
        ingestAttempts: retryWithPassword ? { increment: 1 } : undefined,
      },
    });
    await this.enqueueIngest(updated, password);
    this.logger.log({ documentId: document.id, withPassword: password !== undefined }, 'Ingest queued again.');

    return updated;
  }

  private async enqueueIngest(document: Document, password: string | undefined): Promise<void> {
    try {
      await this.ingestQueue.enqueue(document.id, document.ingestAttempts, password);
    } catch (error) {
      this.logger.error({ documentId: document.id, err: error }, 'Could not enqueue ingest.');
      throw new ServiceUnavailableException(
        `Document ${document.id} was stored but its ingest could not be queued because Redis is unavailable; upload the same file again once Redis is back.`,
      );
    }
  }
}
