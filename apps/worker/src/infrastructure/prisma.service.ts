import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { redactUrl } from '@quire/contracts';
import { createPrismaClient, type PrismaClient } from '@quire/db';

import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config';

/** The one Prisma client of the worker process. */
@Injectable()
export class PrismaService implements OnModuleInit, OnModuleDestroy {
  readonly client: PrismaClient;

  constructor(@Inject(WORKER_CONFIG) private readonly config: WorkerConfig) {
    this.client = createPrismaClient(config.DATABASE_URL);
  }

  /** Fails start-up while PostgreSQL is unreachable, so a misconfigured worker does not sit idle. */
  async onModuleInit(): Promise<void> {
    try {
      await this.client.$queryRaw`SELECT 1`;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`PostgreSQL at ${redactUrl(this.config.DATABASE_URL)} could not be reached: ${reason}`);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.client.$disconnect();
  }
}
