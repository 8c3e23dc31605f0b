import OpenAI from 'openai';
import sharp from 'sharp';

import { startFakeOpenAiServer, type FakeProviderServer } from '../testing';
import { ModelError, type ModelRequest } from './model';
import { sleepWithSignal, type ModelRetryTiming } from './model-retry';
import {
  NO_API_KEY_PLACEHOLDER,
  OpenAiCompatibleModel,
  buildChatCompletionBody,
  openAiErrorToModelError,
  readCompletion,
  schemaName,
  type OpenAiProviderConfig,
} from './openai-compatible.model';

let server: FakeProviderServer;
let pagePng: Buffer;

beforeAll(async () => {
  pagePng = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#d04020' } })
    .png()
    .toBuffer();
});

beforeEach(async () => {
  server = await startFakeOpenAiServer();
});

afterEach(async () => {
  await server.close();
});

function providerConfig(overrides: Partial<OpenAiProviderConfig> = {}): OpenAiProviderConfig {
  return {
    name: 'local-vllm',
    type: 'openai',
    baseUrl: server.baseUrl,
    apiKey: 'test-key',
    maxConcurrency: 1,
    requestsPerMinute: 60,
    timeoutMs: 5_000,
    maxRetries: 2,
    ...overrides,
  };
}

/** Retry timing that records each delay and returns at once; jitter is fixed at half the window. */
function recordingTiming(): ModelRetryTiming & { delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    random: () => 0.5,
    sleep: async (delayMs) => {
      delays.push(delayMs);
    },
  };
}

function textRequest(overrides: Partial<ModelRequest> = {}): ModelRequest {
  return {
    model: 'qwen2.5-7b-instruct',
    system: 'You summarise pages.',
    messages: [{ role: 'user', parts: [{ type: 'text', text: 'Summarise: the cat sat.' }] }],
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<ModelError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ModelError);
    return error as ModelError;
  }
  throw new Error('Expected the call to reject, but it resolved.');
}

async function waitFor(condition: () => boolean, maxTurns = 1000): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn += 1) {
    if (condition()) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`Condition still false after ${maxTurns} checks.`);
}

describe('OpenAiCompatibleModel against the fake server', () => {
  it('sends a text request with the bearer key', async () => {
    server.enqueue({ kind: 'reply', text: 'A cat sat.', usage: { tokensIn: 21, tokensOut: 3 } });
    const model = new OpenAiCompatibleModel(providerConfig());

    const result = await model.generateText(textRequest(), { timeoutMs: 5_000 });

    expect(result.text).toBe('A cat sat.');
    expect(result.usage).toEqual({ tokensIn: 21, tokensOut: 3 });
    expect(result.requests).toBe(1);
    expect(result.model).toBe('qwen2.5-7b-instruct');
    expect(result.finishReason).toBe('stop');
    expect(model.provider).toBe('local-vllm');
    const [received] = server.requests;
    expect(received?.path).toBe('/v1/chat/completions');
    expect(received?.headers.authorization).toBe('Bearer test-key');
    expect(received?.normalised?.system).toBe('You summarise pages.');
    expect(received?.normalised?.userTexts).toEqual(['Summarise: the cat sat.']);
    expect(received?.normalised?.schema).toBeNull();
  });

  it('sends the image bytes as a data URL', async () => {
    const model = new OpenAiCompatibleModel(providerConfig());
    const request = textRequest({
      messages: [
        {
          role: 'user',
          parts: [
            { type: 'image', data: pagePng, mediaType: 'image/png' },
            { type: 'text', text: 'Transcribe this page.' },
          ],
        },
      ],
    });

    await model.generateFromImage(request, { timeoutMs: 5_000 });

    const received = server.requests[0];
    const image = received?.normalised?.images[0];
    expect(received?.normalised?.images).toHaveLength(1);
    expect(image?.mediaType).toBe('image/png');
    expect(image?.data.equals(pagePng)).toBe(true);
    expect(received?.normalised?.userTexts).toEqual(['Transcribe this page.']);
    const body = received?.body as { messages: Array<{ content: Array<{ type: string }> }> };
    expect(body.messages[1]?.content.map((part) => part.type)).toEqual(['image_url', 'text']);
  });

  it('passes the schema as a json_schema response format', async () => {
    const schema = { title: 'invoice fields', type: 'object', properties: { total: { type: 'number' } } };
    const model = new OpenAiCompatibleModel(providerConfig());

    await model.generateText(textRequest({ outputSchema: schema }), { timeoutMs: 5_000 });

    const body = server.requests[0]?.body as Record<string, unknown>;
    expect(body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'invoice_fields', schema, strict: false },
    });
    expect(server.requests[0]?.normalised?.schema).toEqual(schema);
  });

  it('sends a placeholder key when none is configured', async () => {
    const model = new OpenAiCompatibleModel(providerConfig({ apiKey: undefined }));

    await model.generateText(textRequest(), { timeoutMs: 5_000 });

    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${NO_API_KEY_PLACEHOLDER}`);
  });

  it('retries a 429 after its Retry-After seconds', async () => {
    server.enqueue({ kind: 'rate-limit', retryAfter: '1' }, { kind: 'reply', text: 'ok' });
    const timing = recordingTiming();
    const model = new OpenAiCompatibleModel(providerConfig(), timing);

    const result = await model.generateText(textRequest(), { timeoutMs: 5_000 });

    expect(result.text).toBe('ok');
    expect(result.requests).toBe(2);
    expect(timing.delays).toEqual([1_000]);
    expect(server.requests).toHaveLength(2);
  });

  it('waits the real Retry-After delay', async () => {
    server.enqueue({ kind: 'rate-limit', retryAfter: '1' }, { kind: 'reply', text: 'after the wait' });
    const delays: number[] = [];
    const model = new OpenAiCompatibleModel(providerConfig(), {
      random: () => 0,
      sleep: (delayMs, signal) => {
        delays.push(delayMs);
        return sleepWithSignal(delayMs, signal);
      },
    });

    const result = await model.generateText(textRequest(), { timeoutMs: 5_000 });

    expect(result.text).toBe('after the wait');
    expect(result.requests).toBe(2);
    expect(delays).toEqual([1_000]);
  });

  it('reads retry-after-ms before Retry-After', async () => {
    server.enqueue({ kind: 'rate-limit', retryAfter: '3', retryAfterMs: '250' }, { kind: 'reply', text: 'ok' });
    const timing = recordingTiming();
    timing.random = () => 0;
    const model = new OpenAiCompatibleModel(providerConfig(), timing);

    await model.generateText(textRequest(), { timeoutMs: 5_000 });

    expect(timing.delays).toEqual([250]);
  });

  it('gives up when Retry-After exceeds the maximum delay', async () => {
    server.enqueue({ kind: 'rate-limit', retryAfter: '120' });
    const timing = recordingTiming();
    const model = new OpenAiCompatibleModel(providerConfig(), timing);

    const error = await rejection(model.generateText(textRequest(), { timeoutMs: 5_000 }));

    expect(error.code).toBe('rate_limited');
    expect(error.details.status).toBe(429);
    expect(error.details.retryAfterMs).toBe(120_000);
    expect(error.details.requests).toBe(1);
    expect(timing.delays).toEqual([]);
  });

  it('retries a 500 and then succeeds', async () => {
    server.enqueue({ kind: 'server-error' }, { kind: 'reply', text: 'recovered' });
    const timing = recordingTiming();
    const model = new OpenAiCompatibleModel(providerConfig(), timing);

    const result = await model.generateText(textRequest(), { timeoutMs: 5_000 });

    expect(result.text).toBe('recovered');
    expect(result.requests).toBe(2);
    expect(timing.delays).toEqual([500]);
  });

  it('fails with server_error after maxRetries', async () => {
    server.enqueue({ kind: 'server-error' }, { kind: 'server-error', status: 503 }, { kind: 'server-error' });
    const timing = recordingTiming();
    const model = new OpenAiCompatibleModel(providerConfig({ maxRetries: 2 }), timing);

    const error = await rejection(model.generateText(textRequest(), { timeoutMs: 5_000 }));

    expect(error.code).toBe('server_error');
    expect(error.retryable).toBe(true);
    expect(error.details.status).toBe(500);
    expect(error.details.requests).toBe(3);
    expect(timing.delays).toEqual([500, 1_000]);
    expect(server.requests).toHaveLength(3);
  });

  it('times out a hanging request and retries it', async () => {
    server.enqueue({ kind: 'hang' }, { kind: 'reply', text: 'second try' });
    const model = new OpenAiCompatibleModel(providerConfig(), recordingTiming());

    const result = await model.generateText(textRequest(), { timeoutMs: 300 });

    expect(result.text).toBe('second try');
    expect(result.requests).toBe(2);
  });

  it('fails with timeout when every request hangs', async () => {
    server.enqueue({ kind: 'hang' }, { kind: 'hang' });
    const model = new OpenAiCompatibleModel(providerConfig({ maxRetries: 1 }), recordingTiming());

    const error = await rejection(model.generateText(textRequest(), { timeoutMs: 200 }));

    expect(error.code).toBe('timeout');
    expect(error.message).toContain('200 ms');
    expect(error.details.requests).toBe(2);
  });

  it('does not retry 401 or 400', async () => {
    server.enqueue(
      { kind: 'http-error', status: 401, message: 'Incorrect API key provided.' },
      { kind: 'http-error', status: 400, message: 'Unknown model.' },
    );
    const model = new OpenAiCompatibleModel(providerConfig(), recordingTiming());

    const unauthorized = await rejection(model.generateText(textRequest(), { timeoutMs: 5_000 }));
    const badRequest = await rejection(model.generateText(textRequest(), { timeoutMs: 5_000 }));

    expect(unauthorized.code).toBe('unauthorized');
    expect(unauthorized.message).toContain('Incorrect API key provided.');
    expect(badRequest.code).toBe('bad_request');
    expect(badRequest.details.status).toBe(400);
    expect(server.requests).toHaveLength(2);
  });

  it('stops at once when the caller aborts', async () => {
    server.enqueue({ kind: 'hang' });
    const model = new OpenAiCompatibleModel(providerConfig(), recordingTiming());
    const controller = new AbortController();

    const pending = rejection(model.generateText(textRequest(), { timeoutMs: 5_000, signal: controller.signal }));
    await waitFor(() => server.requests.length === 1);
    controller.abort();
    const error = await pending;

    expect(error.code).toBe('aborted');
    expect(error.details.requests).toBe(1);
  });

  it('retries a reply body that is not JSON', async () => {
    server.enqueue({ kind: 'non-json', body: '<html>Bad gateway</html>' }, { kind: 'reply', text: 'fine' });
    const model = new OpenAiCompatibleModel(providerConfig(), recordingTiming());

    const result = await model.generateText(textRequest(), { timeoutMs: 5_000 });

    expect(result.text).toBe('fine');
    expect(result.requests).toBe(2);
  });

  it('rejects an image in a text request before sending', async () => {
    const model = new OpenAiCompatibleModel(providerConfig());
    const request = textRequest({
      messages: [{ role: 'user', parts: [{ type: 'image', data: pagePng, mediaType: 'image/png' }] }],
    });

    const error = await rejection(model.generateText(request, { timeoutMs: 5_000 }));

    expect(error.code).toBe('bad_request');
    expect(server.requests).toHaveLength(0);
  });
});

describe('buildChatCompletionBody', () => {
  const parameters = { temperature: 0.2, topP: 0.9, seed: 7, maxOutputTokens: 300 };

  it('maps parameters for a compatible server', () => {
    const body = buildChatCompletionBody(textRequest({ parameters }), { useMaxCompletionTokens: false });

    expect(body.temperature).toBe(0.2);
    expect(body.top_p).toBe(0.9);
    expect(body.seed).toBe(7);
    expect(body.max_tokens).toBe(300);
    expect(body.max_completion_tokens).toBeUndefined();
  });

  it('uses max_completion_tokens for OpenAI', () => {
    const body = buildChatCompletionBody(textRequest({ parameters }), { useMaxCompletionTokens: true });

    expect(body.max_completion_tokens).toBe(300);
    expect(body.max_tokens).toBeUndefined();
  });

  it('sends assistant turns as text', () => {
    const body = buildChatCompletionBody(
      textRequest({
        messages: [
          { role: 'user', parts: [{ type: 'text', text: 'first' }] },
          { role: 'assistant', parts: [{ type: 'text', text: 'reply' }] },
        ],
      }),
      { useMaxCompletionTokens: false },
    );

    expect(body.messages).toEqual([
      { role: 'system', content: 'You summarise pages.' },
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'reply' },
    ]);
  });
});

describe('schemaName', () => {
  it.each([
    [{ title: 'Invoice fields!' }, 'Invoice_fields'],
    [{ title: '***' }, 'output'],
    [{}, 'output'],
    [{ title: 'x'.repeat(80) }, 'x'.repeat(64)],
  ])('names %j as %s', (schema, expected) => {
    expect(schemaName(schema)).toBe(expected);
  });
});

describe('readCompletion', () => {
  it('rejects a body without choices as a server error', () => {
    expect(() => readCompletion('local', '<html>oops</html>')).toThrow(/not a chat completion.*It began: <html>oops/);
    expect(() => readCompletion('local', '<html>oops</html>')).toThrow(/PROVIDER_LOCAL_BASE_URL/);
    expect(() => readCompletion('local', { object: 'chat.completion' })).toThrow(ModelError);
  });

  it('reads zero usage when the server sends none', () => {
    const read = readCompletion('local', {
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'length' }],
    });

    expect(read).toEqual({ text: 'hi', model: 'm', finishReason: 'length', usage: { tokensIn: 0, tokensOut: 0 } });
  });
});

describe('openAiErrorToModelError', () => {
  const options = { timeoutMs: 1_500 };

  it('maps SDK timeouts and aborts', () => {
    expect(openAiErrorToModelError('local', new OpenAI.APIConnectionTimeoutError(), options).code).toBe('timeout');
    expect(openAiErrorToModelError('local', new OpenAI.APIUserAbortError(), options).code).toBe('aborted');
  });

  it('reads Retry-After from a rate limit', () => {
    const sdkError = OpenAI.APIError.generate(
      429,
      { error: { message: 'Rate limit reached.' } },
      'Rate limit reached.',
      new Headers({ 'retry-after': '3' }),
    );

    const error = openAiErrorToModelError('local', sdkError, options);

    expect(error.code).toBe('rate_limited');
    expect(error.details.retryAfterMs).toBe(3_000);
    expect(error.message).toContain('Rate limit reached.');
  });

  it('treats connection errors as server errors', () => {
    const sdkError = new OpenAI.APIConnectionError({ message: 'Connection error.' });

    expect(openAiErrorToModelError('local', sdkError, options).code).toBe('server_error');
  });
});
