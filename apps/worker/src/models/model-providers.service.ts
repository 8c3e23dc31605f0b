import { Inject, Injectable } from '@nestjs/common';
import type { ProviderConfig } from '@quire/contracts';
import { createModel, type TextModel, type VisionModel } from '@quire/models';

import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config';

/** One client per configured provider, created on first use and shared by every step. */
@Injectable()
export class ModelProvidersService {
  private readonly models = new Map<string, TextModel & VisionModel>();

  constructor(@Inject(WORKER_CONFIG) private readonly config: WorkerConfig) {}

  /** Returns the provider's config and client, or null when this worker's environment does not configure it. */
  get(name: string): { config: ProviderConfig; model: TextModel & VisionModel } | null {
    const config = this.config.providers.find((provider) => provider.name === name);
    if (!config) {
      return null;
    }
    let model = this.models.get(name);
    if (!model) {
      model = createModel(config);
      this.models.set(name, model);
    }

    return { config, model };
  }
}
