import { startFakeOpenAiServer } from './fake-openai.server';
import type { FakeProviderServer } from './fake-provider.server';

let server: FakeProviderServer;

afterEach(async () => {
  await server.close();
});

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.baseUrl.replace(/\/v1$/, '')}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer k', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const chatBody = {
  model: 'm',
  messages: [
    { role: 'system', content: 'sys' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'read this' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${Buffer.from('PNG').toString('base64')}` } },
      ],
    },
  ],
  response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } },
};

describe('startFakeOpenAiServer', () => {
  it('listens on 127.0.0.1 under /v1', async () => {
    server = await startFakeOpenAiServer();

    expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });

  it('replies in the chat completion format', async () => {
    server = await startFakeOpenAiServer({ responder: (request) => `echo ${request.userTexts.join(' ')}` });

    const response = await post('/v1/chat/completions', chatBody);
    const body = (await response.json()) as Record<string, any>;

    expect(response.status).toBe(200);
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].message).toEqual({ role: 'assistant', content: 'echo read this', refusal: null });
    expect(body.choices[0].finish_reason).toBe('stop');
    expect(body.usage).toEqual({ prompt_tokens: 261, completion_tokens: 3, total_tokens: 264 });
  });

  it('records the normalised request', async () => {
    server = await startFakeOpenAiServer();

    await post('/v1/chat/completions', chatBody);

    const [recorded] = server.requests;
    expect(recorded?.method).toBe('POST');
    expect(recorded?.path).toBe('/v1/chat/completions');
    expect(recorded?.headers.authorization).toBe('Bearer k');
    expect(recorded?.body).toEqual(chatBody);
    expect(recorded?.rawBody).toBe(JSON.stringify(chatBody));
    expect(recorded?.normalised).toEqual({
      model: 'm',
      system: 'sys',
      userTexts: ['read this'],
      assistantTexts: [],
      images: [{ mediaType: 'image/png', data: Buffer.from('PNG') }],
      schema: { type: 'object' },
    });
  });

  it('plays enqueued behaviours before the responder', async () => {
    server = await startFakeOpenAiServer();
    server.enqueue({ kind: 'rate-limit', retryAfter: '7' }, { kind: 'server-error', status: 503 });
    server.respondWith(() => ({ kind: 'http-error', status: 422, message: 'nope' }));

    const limited = await post('/v1/chat/completions', chatBody);
    const unavailable = await post('/v1/chat/completions', chatBody);
    const rejected = await post('/v1/chat/completions', chatBody);

    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(((await limited.json()) as any).error.type).toBe('rate_limit_exceeded');
    expect(unavailable.status).toBe(503);
    expect(rejected.status).toBe(422);
    expect(((await rejected.json()) as any).error.message).toBe('nope');
  });

  it('serves a body that is not JSON', async () => {
    server = await startFakeOpenAiServer();
    server.enqueue({ kind: 'non-json', body: '<html>proxy</html>' });

    const response = await post('/v1/chat/completions', chatBody);

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('<html>proxy</html>');
  });

  it('answers unknown paths with a JSON 404', async () => {
    server = await startFakeOpenAiServer();

    const response = await post('/v1/completions', chatBody);

    expect(response.status).toBe(404);
    expect(((await response.json()) as any).error.message).toContain('No route for POST /v1/completions');
    expect(server.requests[0]?.normalised).toBeNull();
  });

  it('rejects requests without a bearer token', async () => {
    server = await startFakeOpenAiServer();

    const response = await post('/v1/chat/completions', chatBody, { authorization: '' });

    expect(response.status).toBe(401);
  });

  it('rejects malformed bodies with 400', async () => {
    server = await startFakeOpenAiServer();

    const notJson = await post('/v1/chat/completions', '{');
    const noMessages = await post('/v1/chat/completions', { model: 'm' });

    expect(notJson.status).toBe(400);
    expect(noMessages.status).toBe(400);
    expect(((await noMessages.json()) as any).error.message).toContain('"messages"');
  });

  it('closes while a request hangs', async () => {
    server = await startFakeOpenAiServer();
    server.enqueue({ kind: 'hang' });

    const pending = post('/v1/chat/completions', chatBody).then(
      () => 'answered',
      () => 'connection closed',
    );
    while (server.requests.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await server.close();

    expect(await pending).toBe('connection closed');
    server = await startFakeOpenAiServer();
  });

  it('ends a hang after the hang limit', async () => {
    server = await startFakeOpenAiServer({ hangLimitMs: 50 });
    server.enqueue({ kind: 'hang' });

    const outcome = await post('/v1/chat/completions', chatBody).then(
      () => 'answered',
      () => 'connection closed',
    );

    expect(outcome).toBe('connection closed');
  });
});
