import { Inject, Module, type DynamicModule, type OnModuleDestroy } from '@nestjs/common';
import { redisConnectionOptions } from '@quire/contracts';
import { TesseractOrientationDetector } from '@quire/models';
import { FileSystemBlobStore, resolveBlobRoot } from '@quire/storage';
import { Redis } from 'ioredis';
import { LoggerModule } from 'nestjs-pino';

import { WORKER_CONFIG, type WorkerConfig } from './config/worker-config';
import { IngestDocumentHandler } from './ingest/ingest-document.handler';
import { PrismaService } from './infrastructure/prisma.service';
import { BLOB_STORE, ORIENTATION_DETECTOR, REDIS } from './infrastructure/tokens';
import { ModelPageHandler } from './models/model-page.handler';
import { ModelProvidersService } from './models/model-providers.service';
import { OcrEnginesService } from './ocr/ocr-engines.service';
import { OcrPageHandler } from './ocr/ocr-page.handler';
import { JOB_HANDLERS } from './queues/job-handler';
import { QueueWorkersService } from './queues/queue-workers.service';
import { ReconcilerService } from './reconcile/reconciler.service';
import { FinishRunHandler } from './runs/finish-run.handler';

/** Closes the orientation detector and the Redis client this module created. */
class WorkerResources implements OnModuleDestroy {
  constructor(
    @Inject(ORIENTATION_DETECTOR) private readonly orientation: TesseractOrientationDetector,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async onModuleDestroy(): Promise<void> {
    await this.orientation.close();
    this.redis.disconnect();
  }
}

@Module({})
export class WorkerModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.LOG_LEVEL,
            transport:
              config.NODE_ENV === 'development' ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
          },
        }),
      ],
      providers: [
        { provide: WORKER_CONFIG, useValue: config },
        { provide: BLOB_STORE, useValue: new FileSystemBlobStore(resolveBlobRoot(config.BLOB_DIR)) },
        OcrEnginesService,
        ModelProvidersService,
        { provide: ORIENTATION_DETECTOR, useFactory: () => new TesseractOrientationDetector() },
        {
          provide: REDIS,
          useFactory: () => new Redis({ ...redisConnectionOptions(config.REDIS_URL), maxRetriesPerRequest: null }),
        },
        PrismaService,
        IngestDocumentHandler,
        OcrPageHandler,
        ModelPageHandler,
        FinishRunHandler,
        {
          provide: JOB_HANDLERS,
          inject: [IngestDocumentHandler, OcrPageHandler, ModelPageHandler, FinishRunHandler],
          useFactory: (...handlers: unknown[]) => handlers,
        },
        QueueWorkersService,
        ReconcilerService,
        WorkerResources,
      ],
    };
  }
}
