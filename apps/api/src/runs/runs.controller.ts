import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';

import { CreateRunBodyDto, RunDetailDto } from './runs.dto';
import { RunsService } from './runs.service';

@ApiTags('runs')
@Controller('api')
export class RunsController {
  constructor(private readonly runs: RunsService) {}

  @Post('documents/:id/runs')
  @ApiOperation({ summary: 'Start a pipeline run over every page of a document' })
  @ZodResponse({ status: 201, type: RunDetailDto })
  @ApiBadRequestResponse({ description: 'Invalid body, unknown profile or unconfigured provider' })
  @ApiNotFoundResponse({ description: 'No document with that id' })
  @ApiConflictResponse({ description: 'The document is not ready' })
  create(@Param('id', ParseUUIDPipe) documentId: string, @Body() body: CreateRunBodyDto) {
    return this.runs.create(documentId, body);
  }

  @Post('runs/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a run; pages not yet started are skipped' })
  @ZodResponse({ status: 200, type: RunDetailDto })
  cancel(@Param('id', ParseUUIDPipe) runId: string) {
    return this.runs.cancel(runId);
  }

  @Get('runs/:id')
  @ApiOperation({ summary: 'Get a run: state, progress and each page step' })
  @ZodResponse({ type: RunDetailDto })
  get(@Param('id', ParseUUIDPipe) runId: string) {
    return this.runs.get(runId);
  }
}
