import {
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Query,
  Res,
  StreamableFile,
} from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { PageImageQuery, TranscriptionList } from '@quire/contracts';
import type { BlobStore } from '@quire/storage';
import type { Response } from 'express';
import { createZodDto, ZodResponse } from 'nestjs-zod';

import { BLOB_STORE } from '../infrastructure/tokens';
import { PrismaService } from '../infrastructure/prisma.service';
import { toTranscriptionView } from './transcription.mapper';

class TranscriptionListDto extends createZodDto(TranscriptionList) {}
class PageImageQueryDto extends createZodDto(PageImageQuery) {}

@ApiTags('pages')
@Controller('api/pages')
export class PagesController {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
  ) {}

  @Get(':id/image')
  @ApiOperation({ summary: 'Get the upright page image (PNG), or the original with variant=original' })
  @ApiProduces('image/png')
  async image(
    @Param('id', ParseUUIDPipe) pageId: string,
    @Query() query: PageImageQueryDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile> {
    const page = await this.prisma.client.page.findUnique({ where: { id: pageId } });
    if (!page) {
      throw new NotFoundException(`Page ${pageId} was not found.`);
    }

    const key = query.variant === 'original' ? page.originalBlobKey : page.imageBlobKey;
    // Blobs are content-addressed, so a key's bytes never change.
    response.setHeader('ETag', `"${key}"`);
    response.setHeader('Cache-Control', 'private, max-age=31536000, immutable');

    return new StreamableFile(await this.blobs.createReadStream(key), { type: 'image/png' });
  }

  @Get(':id/transcriptions')
  @ApiOperation({ summary: "List a page's transcription revisions, newest first" })
  @ZodResponse({ type: TranscriptionListDto })
  async transcriptions(@Param('id', ParseUUIDPipe) pageId: string) {
    const page = await this.prisma.client.page.findUnique({ where: { id: pageId }, select: { id: true } });
    if (!page) {
      throw new NotFoundException(`Page ${pageId} was not found.`);
    }

    const revisions = await this.prisma.client.transcription.findMany({
      where: { pageId },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      include: { step: { select: { runId: true } } },
    });

    return { items: revisions.map(toTranscriptionView) };
  }
}
