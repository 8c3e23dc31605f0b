import 'reflect-metadata';

import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { cleanupOpenApiDoc } from 'nestjs-zod';

import { AppModule } from './app.module';
import type { ApiConfig } from './config/api-config';

/** Builds the API application; `main.ts` and the tests both start it through here. */
export async function createApiApp(config: ApiConfig): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();

  // NOTE: zod is pinned to 4.4.3 (root package.json overrides). From 4.5 on, zod writes a nullable
  // string as `type: ["string", "null"]`, which nestjs-zod 5.5.0 turns into an array of strings here.
  const openApi = new DocumentBuilder()
    .setTitle('Quire API')
    .setDescription('Upload scanned documents, run OCR pipelines and read page transcriptions.')
    .setVersion('0.1.0')
    .setOpenAPIVersion('3.1.0')
    .build();
  SwaggerModule.setup('api/docs', app, cleanupOpenApiDoc(SwaggerModule.createDocument(app, openApi)), {
    jsonDocumentUrl: 'api/docs/openapi.json',
  });

  return app;
}
