import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
  UploadedFile,
  UseFilters,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { UploadDocumentBody } from '@quire/contracts';
import type { Response } from 'express';
import { ZodResponse } from 'nestjs-zod';

import { DocumentDetailDto, DocumentListDto, DocumentSummaryDto, ListDocumentsQueryDto } from './documents.dto';
import { DocumentsService, type UploadedFile as UploadedDocumentFile } from './documents.service';
import { UploadTooLargeFilter } from './upload-too-large.filter';

const UploadFields = UploadDocumentBody.omit({ file: true });

@ApiTags('documents')
@Controller('api/documents')
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Post()
  @ApiOperation({
    summary: 'Upload a document',
    description:
      'Stores a PDF, PNG, JPEG, TIFF or PNM/PBM file and queues its ingest. The type is detected from the bytes. ' +
      'Identical bytes return the existing document with status 200. A password opens an encrypted PDF and ' +
      're-runs a failed ingest of the same file.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    // Multipart file parts have no zod equivalent, so this one body is described by hand.
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: { type: 'string', format: 'binary' },
        password: { type: 'string', description: 'Opens an encrypted PDF; never stored or returned' },
      },
    },
  })
  @ApiResponse({ status: 201, type: DocumentSummaryDto, description: 'New document; ingest queued' })
  @ApiResponse({ status: 200, type: DocumentSummaryDto, description: 'The same bytes were uploaded before' })
  @ApiResponse({ status: 400, description: 'Missing or empty file' })
  @ApiResponse({ status: 413, description: 'File over the upload limit' })
  @ApiResponse({ status: 415, description: 'Not a supported file type' })
  @UseInterceptors(FileInterceptor('file'))
  @UseFilters(UploadTooLargeFilter)
  async upload(
    @UploadedFile() file: UploadedDocumentFile | undefined,
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DocumentSummaryDto> {
    const fields = UploadFields.safeParse(body ?? {});
    if (!fields.success) {
      const problems = fields.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
      throw new BadRequestException(`Invalid upload fields: ${problems.join('; ')}`);
    }

    const result = await this.documents.upload(file, fields.data.password);
    response.status(result.created ? 201 : 200);

    return result.document;
  }

  @Get()
  @ApiOperation({ summary: 'List documents, newest first' })
  @ZodResponse({ type: DocumentListDto })
  list(@Query() query: ListDocumentsQueryDto) {
    return this.documents.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a document with its pages and runs' })
  @ZodResponse({ type: DocumentDetailDto })
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.documents.get(id);
  }
}
