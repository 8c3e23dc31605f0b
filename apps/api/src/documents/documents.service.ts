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
  MEDIA_TYPE_SNIFF_LENGTH,
  SUPPORTED_MEDIA_TYPES,
  sniffMediaType,
  type DocumentDetail,
  type DocumentList,
  type DocumentSummary,
  type ListDocumentsQuery,
} from '@quire/contracts';
import { Prisma, type Document } from '@quire/db';
import type { BlobStore } from '@quire/storage';
import { open, rm } from 'node:fs/promises';

import { BLOB_STORE } from '../infrastructure/tokens';
import { PrismaService } from '../infrastructure/prisma.service';
import { toDocumentDetail, toDocumentSummary } from './document.mapper';
import { IngestQueueService } from './ingest-queue.service';

/** The part of a multer disk-storage file the service reads. */
export interface UploadedFile {
  originalname: string;
  size: number;
  path: string;
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

    try {
      return await this.store(file, password);
    } finally {
      await rm(file.path, { force: true });
    }
  }

  private async store(file: UploadedFile, password: string | undefined): Promise<UploadResult> {
    if (file.size === 0) {
      throw new BadRequestException(`File "${file.originalname}" is empty (0 bytes).`);
    }
    const mediaType = sniffMediaType(await readHead(file.path, MEDIA_TYPE_SNIFF_LENGTH));
    if (!mediaType) {
      throw new UnsupportedMediaTypeException(
        `File "${file.originalname}" is not a supported type: its first bytes match none of ${SUPPORTED_MEDIA_TYPES.join(', ')}.`,
      );
    }

    // The blob key is the file's sha256; storing bytes the store already has only hashes them.
    const blob = await this.blobs.putFile(file.path);
    const sha256 = blob.key;
    const existing = await this.prisma.client.document.findUnique({ where: { sha256 } });
    if (existing) {
      return { document: toDocumentSummary(await this.resumeIngestIfNeeded(existing, password)), created: false };
    }

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
        runs: { orderBy: { createdAt: 'desc' }, include: { steps: { select: { state: true, kind: true } } } },
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

async function readHead(filePath: string, length: number): Promise<Uint8Array> {
  const handle = await open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
