import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';

import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { toProviderView } from './model-profile.mapper';
import {
  ModelProfileBodyDto,
  ModelProfileListDto,
  ModelProfileViewDto,
  ProviderListDto,
  UpdateModelProfileBodyDto,
} from './model-profiles.dto';
import { ModelProfilesService } from './model-profiles.service';

@ApiTags('model profiles')
@Controller('api')
export class ModelProfilesController {
  constructor(
    private readonly profiles: ModelProfilesService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  @Post('model-profiles')
  @ApiOperation({ summary: 'Create a model profile: provider, model, prompt, optional output schema and prices' })
  @ZodResponse({ status: 201, type: ModelProfileViewDto })
  @ApiBadRequestResponse({ description: 'Invalid field, unconfigured provider or invalid output schema' })
  @ApiConflictResponse({ description: 'A profile of that name exists' })
  create(@Body() body: ModelProfileBodyDto) {
    return this.profiles.create(body);
  }

  @Get('model-profiles')
  @ApiOperation({ summary: 'List model profiles' })
  @ZodResponse({ type: ModelProfileListDto })
  async list() {
    return { items: await this.profiles.list() };
  }

  @Get('model-profiles/:name')
  @ApiOperation({ summary: 'Get a model profile by name' })
  @ZodResponse({ type: ModelProfileViewDto })
  @ApiNotFoundResponse({ description: 'No profile of that name' })
  get(@Param('name') name: string) {
    return this.profiles.get(name);
  }

  @Put('model-profiles/:name')
  @ApiOperation({ summary: 'Replace a model profile; runs already started keep their own copy' })
  @ZodResponse({ type: ModelProfileViewDto })
  @ApiBadRequestResponse({ description: 'Invalid field, unconfigured provider or invalid output schema' })
  @ApiNotFoundResponse({ description: 'No profile of that name' })
  update(@Param('name') name: string, @Body() body: UpdateModelProfileBodyDto) {
    return this.profiles.update(name, body);
  }

  @Delete('model-profiles/:name')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a model profile; runs already started keep their own copy' })
  @ApiNotFoundResponse({ description: 'No profile of that name' })
  async remove(@Param('name') name: string): Promise<void> {
    await this.profiles.remove(name);
  }

  @Get('providers')
  @ApiOperation({ summary: 'List the model providers configured in the environment, without credentials' })
  @ZodResponse({ type: ProviderListDto })
  providers() {
    return { items: this.config.providers.map(toProviderView) };
  }
}
