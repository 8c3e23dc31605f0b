import { modelQueueName, parseProviders, providerVariableName } from './providers';

describe('parseProviders', () => {
  it('reads each provider group with its defaults', () => {
    const providers = parseProviders({
      PROVIDER_LLAMA_3_TYPE: 'openai',
      PROVIDER_LLAMA_3_BASE_URL: 'http://127.0.0.1:8000/v1',
      PROVIDER_VERTEX_TYPE: 'vertex',
      PROVIDER_VERTEX_PROJECT: 'my-project',
      PROVIDER_VERTEX_REQUESTS_PER_MINUTE: '30',
      UNRELATED: 'x',
    });

    expect(providers).toEqual([
      {
        name: 'llama-3',
        type: 'openai',
        baseUrl: 'http://127.0.0.1:8000/v1',
        maxConcurrency: 4,
        requestsPerMinute: 60,
        timeoutMs: 120_000,
        maxRetries: 4,
      },
      {
        name: 'vertex',
        type: 'vertex',
        project: 'my-project',
        location: 'us-central1',
        maxConcurrency: 4,
        requestsPerMinute: 30,
        timeoutMs: 120_000,
        maxRetries: 4,
      },
    ]);
  });

  it('returns no providers for an environment without any', () => {
    expect(parseProviders({ PATH: '/usr/bin' })).toEqual([]);
  });

  it('names each invalid variable and what it expects', () => {
    const parse = () =>
      parseProviders({
        PROVIDER_A_BASE_URL: 'http://127.0.0.1:1/v1',
        PROVIDER_B_TYPE: 'anthropic',
        PROVIDER_C_TYPE: 'vertex',
        PROVIDER_D_TYPE: 'openai',
        PROVIDER_E_TYPE: 'gemini',
        PROVIDER_E_MAX_CONCURRENCY: 'lots',
      });

    expect(parse).toThrow('PROVIDER_A_TYPE: missing; set it to one of openai, gemini, vertex');
    expect(parse).toThrow('PROVIDER_B_TYPE: must be one of openai, gemini, vertex');
    expect(parse).toThrow('PROVIDER_C_PROJECT: missing; required for type vertex');
    expect(parse).toThrow('PROVIDER_D_API_KEY: required when PROVIDER_D_BASE_URL is not set');
    expect(parse).toThrow('PROVIDER_E_API_KEY: missing; required for type gemini');
    expect(parse).toThrow(/PROVIDER_E_MAX_CONCURRENCY: .*number/);
  });

  it('never repeats a secret value in its errors', () => {
    const parse = () =>
      parseProviders({ PROVIDER_X_TYPE: 'gemini', PROVIDER_X_API_KEY: ' ', PROVIDER_X_BASE_URL: 'not a url' });

    expect(parse).toThrow('PROVIDER_X_BASE_URL');
    expect(parse).not.toThrow('not a url');
  });
});

describe('provider names', () => {
  it('maps a provider name to its variables and queue', () => {
    expect(providerVariableName('llama-3', 'BASE_URL')).toBe('PROVIDER_LLAMA_3_BASE_URL');
    expect(modelQueueName('llama-3')).toBe('model-llama-3');
  });
});
