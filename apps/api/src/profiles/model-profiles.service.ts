import { BadRequestException, ConflictException, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import {
  providerVariableName,
  type ModelProfileBody,
  type ModelProfileView,
  type ProviderConfig,
  type UpdateModelProfileBody,
} from '@quire/contracts';
import { Prisma, type ModelProfile } from '@quire/db';
import { validateOutputSchema } from '@quire/models';

import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { PrismaService } from '../infrastructure/prisma.service';
import { toModelProfileView } from './model-profile.mapper';

/** Named model configurations. Runs copy a profile when they start, so editing one never changes past runs. */
@Injectable()
export class ModelProfilesService {
  private readonly logger = new Logger(ModelProfilesService.name);

  constructor(
    private readonly prisma: PrismaService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async create(body: ModelProfileBody): Promise<ModelProfileView> {
    this.checkProfile(body);
    try {
      const profile = await this.prisma.client.modelProfile.create({ data: toRow(body) });
      this.logger.log({ profile: profile.name, provider: profile.provider }, 'Model profile created.');

      return toModelProfileView(profile);
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw new ConflictException(`A model profile named "${body.name}" already exists; update it with PUT instead.`);
      }
      throw error;
    }
  }

  async list(): Promise<ModelProfileView[]> {
    const profiles = await this.prisma.client.modelProfile.findMany({ orderBy: { name: 'asc' } });

    return profiles.map(toModelProfileView);
  }

  async get(name: string): Promise<ModelProfileView> {
    return toModelProfileView(await this.find(name));
  }

  async update(name: string, body: UpdateModelProfileBody): Promise<ModelProfileView> {
    await this.find(name);
    this.checkProfile({ ...body, name });
    const profile = await this.prisma.client.modelProfile.update({ where: { name }, data: toRow({ ...body, name }) });
    this.logger.log({ profile: name }, 'Model profile updated.');

    return toModelProfileView(profile);
  }

  async remove(name: string): Promise<void> {
    const { count } = await this.prisma.client.modelProfile.deleteMany({ where: { name } });
    if (count === 0) {
      throw new NotFoundException(`Model profile "${name}" was not found.`);
    }
    this.logger.log({ profile: name }, 'Model profile deleted.');
  }

  /** Loads a profile by name for a new run, or explains why it cannot be used. */
  async findForRun(name: string): Promise<{ profile: ModelProfile; provider: ProviderConfig }> {
    const profile = await this.prisma.client.modelProfile.findUnique({ where: { name } });
    if (!profile) {
      throw new BadRequestException(`Model profile "${name}" does not exist; create it with POST /api/model-profiles.`);
    }

    return { profile, provider: this.providerNamed(profile.provider, `profile "${name}"`) };
  }

  /** Finds the configured provider called `name`, or throws a 400 that names the variables to set. */
  providerNamed(name: string, usedBy: string): ProviderConfig {
    const provider = this.config.providers.find((candidate) => candidate.name === name);
    if (!provider) {
      const variable = providerVariableName(name, 'TYPE');
      const configured = this.config.providers.map((candidate) => candidate.name);
      throw new BadRequestException(
        `Provider "${name}" named by ${usedBy} is not configured; set ${variable} (openai, gemini or vertex) and its other variables on the API and worker. ` +
          (configured.length > 0 ? `Configured providers: ${configured.join(', ')}.` : 'No provider is configured.'),
      );
    }

    return provider;
  }

  private async find(name: string): Promise<ModelProfile> {
    const profile = await this.prisma.client.modelProfile.findUnique({ where: { name } });
    if (!profile) {
      throw new NotFoundException(`Model profile "${name}" was not found.`);
    }

    return profile;
  }

  private checkProfile(body: ModelProfileBody): void {
    this.providerNamed(body.provider, `profile "${body.name}"`);
    if (body.outputSchema === null) {
      return;
    }
    // Fields are stored per page as an object, and OpenAI's structured output takes only an object at the root.
    if (body.outputSchema.type !== 'object') {
      throw new BadRequestException(
        'outputSchema must describe an object: set "type": "object" at its root, with the fields under "properties".',
      );
    }
    const problem = validateOutputSchema(body.outputSchema);
    if (problem !== null) {
      throw new BadRequestException(`outputSchema: ${problem}`);
    }
  }
}

function toRow(body: ModelProfileBody): Prisma.ModelProfileCreateInput {
  return {
    name: body.name,
    provider: body.provider,
    model: body.model,
    prompt: body.prompt,
    outputSchema: body.outputSchema === null ? Prisma.DbNull : (body.outputSchema as Prisma.InputJsonValue),
    parameters: body.parameters as Prisma.InputJsonValue,
    priceInPerMillionUsd: body.priceInPerMillionUsd,
    priceOutPerMillionUsd: body.priceOutPerMillionUsd,
  };
}
