// Set before any Google library loads, so none of them probes a cloud metadata address.
process.env.METADATA_SERVER_DETECTION = 'none';

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import sharp from 'sharp';

import { startFakeGeminiServer, type FakeProviderServer } from '../testing';
import {
  GEMINI_API_VERSION,
  GeminiModel,
  VERTEX_API_VERSION,
  buildGenAiOptions,
  geminiErrorToModelError,
  readGeminiResponse,
  type GeminiProviderConfig,
} from './gemini.model';
import { ModelError, type ModelRequest } from './model';
import { sleepWithSignal, type ModelRetryTiming } from './model-retry';

let server: FakeProviderServer;
let pageJpeg: Buffer;

beforeAll(async () => {
  pageJpeg = await sharp({ create: { width: 10, height: 7, channels: 3, background: '#2040d0' } })
    .jpeg()
    .toBuffer();
});

beforeEach(async () => {
  server = await startFakeGeminiServer();
});

afterEach(async () => {
  await server.close();
});

const limits = { maxConcurrency: 1, requestsPerMinute: 60, timeoutMs: 5_000, maxRetries: 2 };

type GeminiApiConfig = Extract<GeminiProviderConfig, { type: 'gemini' }>;

function geminiConfig(overrides: Partial<GeminiApiConfig> = {}): GeminiApiConfig {
  return {
    name: 'gemini',
    type: 'gemini',
    apiKey: 'gemini-test-key',
    baseUrl: server.baseUrl,
    ...limits,
    ...overrides,
  };
}

type VertexConfig = Extract<GeminiProviderConfig, { type: 'vertex' }>;

function vertexConfig(overrides: Partial<VertexConfig> = {}): VertexConfig {
  return {
    name: 'vertex',
    type: 'vertex',
    project: 'quire-test',
    location: 'europe-west4',
    accessToken: 'ya29.test-token',
    baseUrl: server.baseUrl,
    ...limits,
    ...overrides,
  };
}

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
    model: 'gemini-2.5-flash',
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

describe('GeminiModel on the Gemini API', () => {
  it('sends a text request with the API key', async () => {
    server.enqueue({ kind: 'reply', text: 'A cat sat.', usage: { tokensIn: 17, tokensOut: 3 } });
    const model = new GeminiModel(geminiConfig());

    const result = await model.generateText(textRequest(), { timeoutMs: 5_000 });

    expect(result.text).toBe('A cat sat.');
    expect(result.usage).toEqual({ tokensIn: 17, tokensOut: 3 });
    expect(result.requests).toBe(1);
    expect(result.model).toBe('gemini-2.5-flash');
    expect(result.finishReason).toBe('STOP');
    const [received] = server.requests;
    expect(received?.path).toBe(`/${GEMINI_API_VERSION}/models/gemini-2.5-flash:generateContent`);
    expect(received?.headers['x-goog-api-key']).toBe('gemini-test-key');
    expect(received?.headers.authorization).toBeUndefined();
    expect(received?.normalised?.system).toBe('You summarise pages.');
    expect(received?.normalised?.userTexts).toEqual(['Summarise: the cat sat.']);
  });

  it('sends the image as inline data', async () => {
    const model = new GeminiModel(geminiConfig());
    const request = textRequest({
      messages: [
        {
          role: 'user',
          parts: [
            { type: 'image', data: pageJpeg, mediaType: 'image/jpeg' },
            { type: 'text', text: 'Transcribe this page.' },
          ],
        },
      ],
    });

    await model.generateFromImage(request, { timeoutMs: 5_000 });

    const received = server.requests[0];
    const image = received?.normalised?.images[0];
    expect(received?.normalised?.images).toHaveLength(1);
    expect(image?.mediaType).toBe('image/jpeg');
    expect(image?.data.equals(pageJpeg)).toBe(true);
    const body = received?.body as { contents: Array<{ parts: Array<Record<string, unknown>> }> };
    expect(Object.keys(body.contents[0]?.parts[0] ?? {})).toEqual(['inlineData']);
  });

  it('asks for JSON with the schema', async () => {
    const schema = { type: 'object', properties: { total: { type: 'number' } }, required: ['total'] };
    const model = new GeminiModel(geminiConfig());

    await model.generateText(textRequest({ outputSchema: schema, parameters: { temperature: 0, seed: 3 } }), {
      timeoutMs: 5_000,
    });

    const body = server.requests[0]?.body as { generationConfig: Record<string, unknown> };
    expect(body.generationConfig.responseMimeType).toBe('application/json');
    expect(body.generationConfig.responseJsonSchema).toEqual(schema);
    expect(body.generationConfig.temperature).toBe(0);
    expect(body.generationConfig.seed).toBe(3);
    expect(server.requests[0]?.normalised?.schema).toEqual(schema);
  });

  it('sends earlier model turns with role model', async () => {
    const model = new GeminiModel(geminiConfig());

    await model.generateText(
      textRequest({
        messages: [
          { role: 'user', parts: [{ type: 'text', text: 'first' }] },
          { role: 'assistant', parts: [{ type: 'text', text: 'reply' }] },
          { role: 'user', parts: [{ type: 'text', text: 'again' }] },
        ],
      }),
      { timeoutMs: 5_000 },
    );

    const body = server.requests[0]?.body as { contents: Array<{ role: string }> };
    expect(body.contents.map((content) => content.role)).toEqual(['user', 'model', 'user']);
    expect(server.requests[0]?.normalised?.assistantTexts).toEqual(['reply']);
  });

  it('retries a 429 after its Retry-After seconds', async () => {
    server.enqueue({ kind: 'rate-limit', retryAfter: '1' }, { kind: 'reply', text: 'ok' });
    const timing = recordingTiming();
    const model = new GeminiModel(geminiConfig(), timing);

    const result = await model.generateText(textRequest(), { timeoutMs: 5_000 });

    expect(result.text).toBe('ok');
    expect(result.requests).toBe(2);
    expect(timing.delays).toEqual([1_000]);
  });

  it('waits the real Retry-After delay', async () => {
    server.enqueue({ kind: 'rate-limit', retryAfter: '1' }, { kind: 'reply', text: 'after the wait' });
    const delays: number[] = [];
    const model = new GeminiModel(geminiConfig(), {
      random: () => 0,
      sleep: (delayMs, signal) => {
        delays.push(delayMs);
        return sleepWithSignal(delayMs, signal);
      },
    });

    const result = await model.generateText(textRequest(), { timeoutMs: 5_000 });

    expect(result.text).toBe('after the wait');
    expect(delays).toEqual([1_000]);
  });

  it('backs off on a 429 without Retry-After', async () => {
    server.enqueue({ kind: 'rate-limit' }, { kind: 'reply', text: 'ok' });
    const timing = recordingTiming();
    const model = new GeminiModel(geminiConfig(), timing);

    const result = await model.generateText(textRequest(), { timeoutMs: 5_000 });

    expect(result.requests).toBe(2);
    expect(timing.delays).toEqual([500]);
  });

  it('retries a 500 and then succeeds', async () => {
    server.enqueue({ kind: 'server-error' }, { kind: 'reply', text: 'recovered' });
    const timing = recordingTiming();
    const model = new GeminiModel(geminiConfig(), timing);

    const result = await model.generateText(textRequest(), { timeoutMs: 5_000 });

    expect(result.text).toBe('recovered');
    expect(result.requests).toBe(2);
    expect(timing.delays).toEqual([500]);
  });

  it('fails with server_error after maxRetries', async () => {
    server.enqueue({ kind: 'server-error' }, { kind: 'server-error' }, { kind: 'server-error' });
    const timing = recordingTiming();
    const model = new GeminiModel(geminiConfig({ maxRetries: 2 }), timing);

    const error = await rejection(model.generateText(textRequest(), { timeoutMs: 5_000 }));

    expect(error.code).toBe('server_error');
    expect(error.details.status).toBe(500);
    expect(error.details.requests).toBe(3);
    expect(error.message).toContain('The fake server failed on purpose.');
    expect(timing.delays).toEqual([500, 1_000]);
  });

  it('times out a hanging request and retries it', async () => {
    server.enqueue({ kind: 'hang' }, { kind: 'reply', text: 'second try' });
    const model = new GeminiModel(geminiConfig(), recordingTiming());

    const result = await model.generateText(textRequest(), { timeoutMs: 300 });

    expect(result.text).toBe('second try');
    expect(result.requests).toBe(2);
  });

  it('fails with timeout when every request hangs', async () => {
    server.enqueue({ kind: 'hang' }, { kind: 'hang' });
    const model = new GeminiModel(geminiConfig({ maxRetries: 1 }), recordingTiming());

    const error = await rejection(model.generateText(textRequest(), { timeoutMs: 200 }));

    expect(error.code).toBe('timeout');
    expect(error.details.requests).toBe(2);
  });

  it('does not retry 403 or 400', async () => {
    server.enqueue(
      { kind: 'http-error', status: 403, message: 'API key not valid.' },
      { kind: 'http-error', status: 400, message: 'Unknown model.' },
    );
    const model = new GeminiModel(geminiConfig(), recordingTiming());

    const unauthorized = await rejection(model.generateText(textRequest(), { timeoutMs: 5_000 }));
    const badRequest = await rejection(model.generateText(textRequest(), { timeoutMs: 5_000 }));

    expect(unauthorized.code).toBe('unauthorized');
    expect(unauthorized.message).toContain('API key not valid.');
    expect(badRequest.code).toBe('bad_request');
    expect(server.requests).toHaveLength(2);
  });

  it('stops at once when the caller aborts', async () => {
    server.enqueue({ kind: 'hang' });
    const model = new GeminiModel(geminiConfig(), recordingTiming());
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
    const model = new GeminiModel(geminiConfig(), recordingTiming());

    const result = await model.generateText(textRequest(), { timeoutMs: 5_000 });

    expect(result.text).toBe('fine');
    expect(result.requests).toBe(2);
  });

  it('requires an image in a vision request', async () => {
    const model = new GeminiModel(geminiConfig());

    const error = await rejection(model.generateFromImage(textRequest(), { timeoutMs: 5_000 }));

    expect(error.code).toBe('bad_request');
    expect(server.requests).toHaveLength(0);
  });
});

describe('GeminiModel on Vertex AI', () => {
  it('sends the access token to the project path', async () => {
    server.enqueue({ kind: 'reply', text: 'from vertex' });
    const model = new GeminiModel(vertexConfig());

    const result = await model.generateText(textRequest(), { timeoutMs: 5_000 });

    expect(result.text).toBe('from vertex');
    const [received] = server.requests;
    expect(received?.path).toBe(
      `/${VERTEX_API_VERSION}/projects/quire-test/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent`,
    );
    expect(received?.headers.authorization).toBe('Bearer ya29.test-token');
    expect(received?.headers['x-goog-api-key']).toBeUndefined();
  });

  it('sends images and schema the same way', async () => {
    const schema = { type: 'object', properties: { title: { type: 'string' } } };
    const model = new GeminiModel(vertexConfig());

    await model.generateFromImage(
      textRequest({
        outputSchema: schema,
        messages: [{ role: 'user', parts: [{ type: 'image', data: pageJpeg, mediaType: 'image/jpeg' }] }],
      }),
      { timeoutMs: 5_000 },
    );

    const received = server.requests[0];
    expect(received?.normalised?.images[0]?.data.equals(pageJpeg)).toBe(true);
    expect(received?.normalised?.schema).toEqual(schema);
  });

  it('retries a 429 with Retry-After on Vertex', async () => {
    server.enqueue({ kind: 'rate-limit', retryAfter: '2' }, { kind: 'reply', text: 'ok' });
    const timing = recordingTiming();
    const model = new GeminiModel(vertexConfig(), timing);

    const result = await model.generateText(textRequest(), { timeoutMs: 5_000 });

    expect(result.requests).toBe(2);
    expect(timing.delays).toEqual([2_000]);
  });
});

describe('GeminiModel without Vertex credentials', () => {
  const saved = {
    credentials: process.env.GOOGLE_APPLICATION_CREDENTIALS,
    cloudSdkConfig: process.env.CLOUDSDK_CONFIG,
  };
  let emptyConfigFolder: string;

  beforeEach(() => {
    // An empty gcloud folder and no credentials file leave Application Default Credentials nothing to find.
    emptyConfigFolder = mkdtempSync(path.join(tmpdir(), 'quire-gcloud-'));
    process.env.CLOUDSDK_CONFIG = emptyConfigFolder;
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  });

  afterEach(() => {
    rmSync(emptyConfigFolder, { recursive: true, force: true });
    for (const [variable, value] of [
      ['GOOGLE_APPLICATION_CREDENTIALS', saved.credentials],
      ['CLOUDSDK_CONFIG', saved.cloudSdkConfig],
    ] as const) {
      if (value === undefined) {
        delete process.env[variable];
      } else {
        process.env[variable] = value;
      }
    }
  });

  it('fails as unauthorized without sending', async () => {
    const model = new GeminiModel(vertexConfig({ accessToken: undefined }), recordingTiming());

    const error = await rejection(model.generateText(textRequest(), { timeoutMs: 5_000 }));

    expect(error.code).toBe('unauthorized');
    expect(error.message).toContain('GOOGLE_APPLICATION_CREDENTIALS');
    expect(error.details.requests).toBe(1);
    expect(server.requests).toHaveLength(0);
  });
});

describe('buildGenAiOptions', () => {
  it('uses the API key and v1beta for the Gemini API', () => {
    const options = buildGenAiOptions({
      name: 'gemini',
      type: 'gemini',
      apiKey: 'key',
      ...limits,
    });

    expect(options).toEqual({ vertexai: false, apiKey: 'key', apiVersion: 'v1beta', httpOptions: undefined });
  });

  it('gives Vertex an auth client holding the token', async () => {
    const options = buildGenAiOptions({
      name: 'vertex',
      type: 'vertex',
      project: 'p',
      location: 'us-central1',
      accessToken: 'token-1',
      baseUrl: 'http://127.0.0.1:9',
      ...limits,
    });
    const authClient = options.googleAuthOptions?.authClient as unknown as {
      getRequestHeaders(): Promise<Headers>;
    };

    expect(options.vertexai).toBe(true);
    expect(options.project).toBe('p');
    expect(options.location).toBe('us-central1');
    expect(options.apiVersion).toBe('v1');
    expect(options.httpOptions).toEqual({ baseUrl: 'http://127.0.0.1:9' });
    const headers = await authClient.getRequestHeaders();
    expect(headers.get('authorization')).toBe('Bearer token-1');
  });
});

describe('readGeminiResponse', () => {
  it('leaves out thought parts and counts thinking tokens as output', () => {
    const read = readGeminiResponse('gemini', {
      candidates: [
        {
          content: { role: 'model', parts: [{ text: 'thinking…', thought: true }, { text: 'answer' }] },
          finishReason: 'STOP' as never,
        },
      ],
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 2, thoughtsTokenCount: 30 },
    } as never);

    expect(read.text).toBe('answer');
    expect(read.usage).toEqual({ tokensIn: 10, tokensOut: 32 });
    expect(read.model).toBeUndefined();
  });

  it('rejects a blocked prompt as a bad request', () => {
    expect(() => readGeminiResponse('gemini', { promptFeedback: { blockReason: 'SAFETY' } } as never)).toThrow(
      /prompt blocked: SAFETY/,
    );
  });
});

describe('geminiErrorToModelError', () => {
  it('treats a failure after sending as a server error', () => {
    const error = geminiErrorToModelError('gemini', new TypeError('fetch failed'), { requestSent: true });

    expect(error.code).toBe('server_error');
    expect(error.retryable).toBe(true);
  });

  it('treats a failure before sending as a bad request', () => {
    const error = geminiErrorToModelError('gemini', new Error('Invalid contents.'), { requestSent: false });

    expect(error.code).toBe('bad_request');
  });
});
