// Set before any Google library loads, so none of them probes a cloud metadata address.
process.env.METADATA_SERVER_DETECTION = 'none';

import type { ProviderConfig } from '@quire/contracts';

import { createModel } from './create-model';
import { GeminiModel } from './gemini.model';
import { ModelError } from './model';
import { OpenAiCompatibleModel } from './openai-compatible.model';

const limits = { maxConcurrency: 1, requestsPerMinute: 60, timeoutMs: 1_000, maxRetries: 0 };

describe('createModel', () => {
  it('creates an OpenAI-compatible model for openai', () => {
    const model = createModel({ name: 'vllm', type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', ...limits });

    expect(model).toBeInstanceOf(OpenAiCompatibleModel);
    expect(model.provider).toBe('vllm');
  });

  it('creates a Gemini model for gemini and vertex', () => {
    const gemini = createModel({ name: 'gemini', type: 'gemini', apiKey: 'key', ...limits });
    const vertex = createModel({
      name: 'vertex',
      type: 'vertex',
      project: 'p',
      location: 'us-central1',
      accessToken: 'token',
      ...limits,
    });

    expect(gemini).toBeInstanceOf(GeminiModel);
    expect(vertex).toBeInstanceOf(GeminiModel);
    expect(vertex.provider).toBe('vertex');
  });

  it('rejects an unknown type without printing secrets', () => {
    const config = { name: 'other', type: 'anthropic', apiKey: 'secret-key', ...limits } as unknown as ProviderConfig;

    expect(() => createModel(config)).toThrow(ModelError);
    expect(() => createModel(config)).toThrow('Provider type "anthropic" is unknown');
    expect(() => createModel(config)).not.toThrow(/secret-key/);
  });
});
