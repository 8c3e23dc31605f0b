import { startFakeGeminiServer } from './fake-gemini.server';
import type { FakeProviderServer } from './fake-provider.server';

let server: FakeProviderServer;

beforeEach(async () => {
  server = await startFakeGeminiServer();
});

afterEach(async () => {
  await server.close();
});

const GEMINI_PATH = '/v1beta/models/gemini-2.5-flash:generateContent';
const VERTEX_PATH = '/v1/projects/p/locations/europe-west4/publishers/google/models/gemini-2.5-pro:generateContent';

const generateBody = {
  systemInstruction: { parts: [{ text: 'sys' }] },
  contents: [
    {
      role: 'user',
      parts: [
        { inlineData: { mimeType: 'image/jpeg', data: Buffer.from('JPEG').toString('base64') } },
        { text: 'read' },
      ],
    },
    { role: 'model', parts: [{ text: 'earlier' }] },
    { role: 'user', parts: [{ text: 'again' }] },
  ],
  generationConfig: { responseMimeType: 'application/json', responseJsonSchema: { type: 'object' } },
};

function post(path: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  return fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('startFakeGeminiServer', () => {
  it('replies on the Gemini API path', async () => {
    server.respondWith((request) => `model ${request.model}`);

    const response = await post(GEMINI_PATH, generateBody, { 'x-goog-api-key': 'k' });
    const body = (await response.json()) as Record<string, any>;

    expect(response.status).toBe(200);
    expect(body.candidates[0].content).toEqual({ role: 'model', parts: [{ text: 'model gemini-2.5-flash' }] });
    expect(body.candidates[0].finishReason).toBe('STOP');
    expect(body.usageMetadata).toEqual({ promptTokenCount: 262, candidatesTokenCount: 2, totalTokenCount: 264 });
    expect(body.modelVersion).toBe('gemini-2.5-flash');
  });

  it('records the normalised Vertex request', async () => {
    await post(VERTEX_PATH, generateBody, { authorization: 'Bearer token' });

    expect(server.requests[0]?.path).toBe(VERTEX_PATH);
    expect(server.requests[0]?.normalised).toEqual({
      model: 'gemini-2.5-pro',
      system: 'sys',
      userTexts: ['read', 'again'],
      assistantTexts: ['earlier'],
      images: [{ mediaType: 'image/jpeg', data: Buffer.from('JPEG') }],
      schema: { type: 'object' },
    });
  });

  it('checks the credential each API expects', async () => {
    const vertexWithKey = await post(VERTEX_PATH, generateBody, { 'x-goog-api-key': 'k' });
    const geminiWithoutKey = await post(GEMINI_PATH, generateBody, {});
    const geminiWithQueryKey = await post(`${GEMINI_PATH}?key=k`, generateBody, {});

    expect(vertexWithKey.status).toBe(401);
    expect(((await vertexWithKey.json()) as any).error.status).toBe('UNAUTHENTICATED');
    expect(geminiWithoutKey.status).toBe(401);
    expect(geminiWithQueryKey.status).toBe(200);
  });

  it('sends Google error bodies', async () => {
    server.enqueue({ kind: 'rate-limit', retryAfter: '3' }, { kind: 'server-error' });

    const limited = await post(GEMINI_PATH, generateBody, { 'x-goog-api-key': 'k' });
    const failed = await post(GEMINI_PATH, generateBody, { 'x-goog-api-key': 'k' });

    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(await limited.json()).toEqual({
      error: { code: 429, message: 'Rate limit reached; retry later.', status: 'RESOURCE_EXHAUSTED' },
    });
    expect(((await failed.json()) as any).error.status).toBe('INTERNAL');
  });

  it('answers unknown paths with a JSON 404', async () => {
    const response = await post('/v1beta/models/gemini-2.5-flash:countTokens', generateBody, {
      'x-goog-api-key': 'k',
    });

    expect(response.status).toBe(404);
    expect(((await response.json()) as any).error.status).toBe('NOT_FOUND');
  });
});
