import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { INGEST_SECRET_TTL_SECONDS, QueueName, ingestJob, ingestSecretKey } from '@quire/contracts';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';

import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { REDIS } from '../infrastructure/tokens';

/** Enqueues ingest jobs; a PDF password goes to a short-lived Redis entry, never into the payload. */
@Injectable()
export class IngestQueueService {
  constructor(
    @InjectQueue(QueueName.ingest) private readonly queue: Queue,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async enqueue(documentId: string, ingestAttempt: number, password?: string): Promise<void> {
    let passwordSecretId: string | undefined;
    if (password !== undefined) {
      passwordSecretId = randomUUID();
      await this.redis.set(
        ingestSecretKey(this.config.QUEUE_PREFIX, passwordSecretId),
        password,
        'EX',
        INGEST_SECRET_TTL_SECONDS,
      );
    }

    const job = ingestJob(documentId, ingestAttempt, passwordSecretId);
    await this.queue.add(job.name, job.data, job.opts);
  }
}
