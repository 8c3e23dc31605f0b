import { BullModule } from '@nestjs/bullmq';
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { QueueName, redisConnectionOptions } from '@quire/contracts';
import { FileSystemBlobStore, resolveBlobRoot } from '@quire/storage';

import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { BLOB_STORE } from './blob-store.token';
import { PrismaService } from './prisma.service';

/** Configuration, PostgreSQL, Redis queues and blob storage for every API module. */
@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: InfrastructureModule,
      imports: [
        BullModule.forRoot({
          prefix: config.QUEUE_PREFIX,
          // Fail fast while Redis is down, so requests get a 503 instead of hanging.
          connection: { ...redisConnectionOptions(config.REDIS_URL), enableOfflineQueue: false, maxRetriesPerRequest: 1 },
        }),
        BullModule.registerQueue({ name: QueueName.ingest }, { name: QueueName.ocr }, { name: QueueName.runs }),
        BullModule.registerFlowProducer({ name: QueueName.runs }),
      ],
      providers: [
        { provide: API_CONFIG, useValue: config },
        { provide: BLOB_STORE, useValue: new FileSystemBlobStore(resolveBlobRoot(config.BLOB_DIR)) },
        PrismaService,
      ],
      exports: [API_CONFIG, BLOB_STORE, PrismaService, BullModule],
    };
  }
}
