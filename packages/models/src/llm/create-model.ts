import type { ProviderConfig } from '@quire/contracts';

import { GeminiModel } from './gemini.model';
import { ModelError, type TextModel, type VisionModel } from './model';
import type { ModelRetryTiming } from './model-retry';
import { OpenAiCompatibleModel } from './openai-compatible.model';

/** Creates the model client for a configured provider; `retryTiming` is for tests. */
export function createModel(config: ProviderConfig, retryTiming: ModelRetryTiming = {}): TextModel & VisionModel {
  switch (config.type) {
    case 'openai':
      return new OpenAiCompatibleModel(config, retryTiming);
    case 'gemini':
    case 'vertex':
      return new GeminiModel(config, retryTiming);
    default: {
      const unknown: never = config;
      const type = String((unknown as { type?: unknown }).type);
      throw new ModelError('not_configured', `Provider type "${type}" is unknown; expected openai, gemini or vertex.`);
    }
  }
}
