import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import {
  INGEST_SECRET_TTL_SECONDS,
  IngestDocumentPayload,
  JobName,
  JobRetryPolicy,
  QueueName,
  ingestSecretKey,
  jobIdFor,
} from '@quire/contracts';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';

import { API_CONFIG, type ApiConfig } from '../config/api-config';

/** Enqueues ingest jobs; a PDF password goes to a short-lived Redis entry, never into the payload. */
@Injectable()
export class IngestQueueService {
  constructor(
    @InjectQueue(QueueName.ingest) private readonly queue: Queue,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async enqueue(documentId: string, ingestAttempt: number, password?: string): Promise<void> {
    let passwordSecretId: string | undefined;
    if (password !== undefined) {
      passwordSecretId = randomUUID();
      const redis = await this.queue.client;
      await redis.set(ingestSecretKey(this.config.QUEUE_PREFIX, passwordSecretId), password, 'EX', INGEST_SECRET_TTL_SECONDS);
    }

    const payload = IngestDocumentPayload.parse({ documentId, passwordSecretId });
    await this.queue.add(JobName.ingestDocument, payload, {
      ...JobRetryPolicy[JobName.ingestDocument],
      jobId: jobIdFor(JobName.ingestDocument, documentId, ingestAttempt),
      removeOnComplete: true,
      removeOnFail: { count: 1_000 },
    });
  }
}
