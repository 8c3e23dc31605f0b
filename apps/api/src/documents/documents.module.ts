import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import os from 'node:os';
import path from 'node:path';

import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { DocumentsController } from './documents.controller';
import { DocumentsService } from './documents.service';
import { IngestQueueService } from './ingest-queue.service';
import { UploadTooLargeFilter } from './upload-too-large.filter';

@Module({
  imports: [
    MulterModule.registerAsync({
      inject: [API_CONFIG],
      useFactory: (config: ApiConfig) => ({
        // Uploads stream to a temporary file, so a large upload does not sit in memory.
        // Multer deletes the file when the request fails, and the service deletes it after storing.
        dest: path.join(os.tmpdir(), 'quire-uploads'),
        limits: { fileSize: config.MAX_UPLOAD_BYTES, files: 1, fields: 5 },
      }),
    }),
  ],
  controllers: [DocumentsController],
  providers: [DocumentsService, IngestQueueService, UploadTooLargeFilter],
})
export class DocumentsModule {}
