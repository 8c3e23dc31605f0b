import { BullModule } from '@nestjs/bullmq';
import { Global, Inject, Module, type DynamicModule, type OnModuleDestroy } from '@nestjs/common';
import { QueueName, redisConnectionOptions } from '@quire/contracts';
import { FileSystemBlobStore, resolveBlobRoot } from '@quire/storage';
import { Redis } from 'ioredis';

import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { BLOB_STORE, REDIS } from './tokens';
import { PrismaService } from './prisma.service';

/** Redis options for the API: fail fast while Redis is down, so requests get a 503 instead of hanging. */
export function apiRedisConnection(config: ApiConfig) {
  return { ...redisConnectionOptions(config.REDIS_URL), enableOfflineQueue: false, maxRetriesPerRequest: 1 };
}

/** Configuration, PostgreSQL, Redis queues and blob storage for every API module. */
@Global()
@Module({})
export class InfrastructureModule implements OnModuleDestroy {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  static forRoot(config: ApiConfig): DynamicModule {
    const connection = apiRedisConnection(config);

    return {
      module: InfrastructureModule,
      imports: [
        BullModule.forRoot({
          prefix: config.QUEUE_PREFIX,
          connection,
        }),
        BullModule.registerQueue({ name: QueueName.ingest }, { name: QueueName.ocr }, { name: QueueName.runs }),
        BullModule.registerFlowProducer({ name: QueueName.runs }),
      ],
      providers: [
        { provide: API_CONFIG, useValue: config },
        { provide: BLOB_STORE, useValue: new FileSystemBlobStore(resolveBlobRoot(config.BLOB_DIR)) },
        { provide: REDIS, useFactory: () => new Redis(connection) },
        PrismaService,
      ],
      exports: [API_CONFIG, BLOB_STORE, REDIS, PrismaService, BullModule],
    };
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
