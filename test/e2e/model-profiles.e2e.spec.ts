import { createPrismaClient, type PrismaClient } from '@quire/db';
import { randomUUID } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

import { ModelProfileBody } from '@quire/contracts';
import { validateOutputSchema } from '@quire/models';

import { buildTextPdf } from '../support/generated-pdf';
import { getJson, postJson, requestJson, uploadBytes } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';
import { waitForIngest } from '../support/wait';

const API_KEY = `sk-test-${randomUUID()}`;
const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples', 'profiles');

function profile(name: string, overrides: Record<string, unknown> = {}) {
  return {
    name,
    provider: 'llama3',
    model: 'meta-llama/Meta-Llama-3-8B-Instruct',
    prompt: 'Summarise the page in one sentence.',
    ...overrides,
  };
}

describe('model profiles and providers', () => {
  let stack: TestStack;
  let prisma: PrismaClient;

  beforeAll(async () => {
    // The provider is configured but never called here; its address is a closed loopback port.
    stack = await startTestStack({
      PROVIDER_LLAMA3_TYPE: 'openai',
      PROVIDER_LLAMA3_BASE_URL: 'http://127.0.0.1:9/v1',
      PROVIDER_LLAMA3_API_KEY: API_KEY,
      PROVIDER_LLAMA3_REQUESTS_PER_MINUTE: '30',
    });
    prisma = createPrismaClient(process.env.DATABASE_URL!);
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await stack?.close();
  });

  it('lists configured providers without their credentials', async () => {
    const response = await getJson(stack.baseUrl, '/api/providers');

    expect(response.status).toBe(200);
    expect(response.body.items).toEqual([
      expect.objectContaining({ name: 'llama3', type: 'openai', requestsPerMinute: 30, maxConcurrency: 4 }),
    ]);
    expect(JSON.stringify(response.body)).not.toContain(API_KEY);
  });

  it('hides a password inside a provider base URL', async () => {
    const secretStack = await startTestStack({
      PROVIDER_PRIVATE_TYPE: 'openai',
      PROVIDER_PRIVATE_BASE_URL: 'http://user:hunter2-secret@127.0.0.1:9/v1',
    });
    try {
      const response = await getJson(secretStack.baseUrl, '/api/providers');

      expect(response.body.items[0].baseUrl).toBe('http://user:***@127.0.0.1:9/v1');
      expect(JSON.stringify(response.body)).not.toContain('hunter2-secret');
    } finally {
      await secretStack.close();
    }
  });

  it('creates, reads, lists, replaces and deletes a profile', async () => {
    const name = `summary-${randomUUID().slice(0, 8)}`;
    const created = await postJson(stack.baseUrl, '/api/model-profiles', profile(name, { priceInPerMillionUsd: 0.5 }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name, provider: 'llama3', outputSchema: null, priceInPerMillionUsd: 0.5 });

    const duplicate = await postJson(stack.baseUrl, '/api/model-profiles', profile(name));
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.message).toContain('already exists');

    const replaced = await requestJson(stack.baseUrl, 'PUT', `/api/model-profiles/${name}`, {
      ...profile(name, { prompt: 'List the headings.' }),
      name: undefined,
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.prompt).toBe('List the headings.');
    expect(replaced.body.priceInPerMillionUsd).toBeNull();

    const list = await getJson(stack.baseUrl, '/api/model-profiles');
    expect(list.body.items.map((item: { name: string }) => item.name)).toContain(name);
    expect((await getJson(stack.baseUrl, `/api/model-profiles/${name}`)).body.prompt).toBe('List the headings.');

    expect((await requestJson(stack.baseUrl, 'DELETE', `/api/model-profiles/${name}`)).status).toBe(204);
    expect((await getJson(stack.baseUrl, `/api/model-profiles/${name}`)).status).toBe(404);
    expect((await requestJson(stack.baseUrl, 'DELETE', `/api/model-profiles/${name}`)).status).toBe(404);
  });

  it('refuses a profile whose provider is not configured, naming the variable to set', async () => {
    const response = await postJson(
      stack.baseUrl,
      '/api/model-profiles',
      profile('no-provider', { provider: 'vertex' }),
    );

    expect(response.status).toBe(400);
    expect(response.body.message).toContain('PROVIDER_VERTEX_TYPE');
    expect(response.body.message).toContain('Configured providers: llama3');
  });

  it('refuses a profile whose output schema is not a JSON Schema', async () => {
    const response = await postJson(
      stack.baseUrl,
      '/api/model-profiles',
      profile('bad-schema', { outputSchema: { type: 'object', properties: { total: { type: 'money' } } } }),
    );

    expect(response.status).toBe(400);
    expect(response.body.message).toContain('outputSchema: The output schema is invalid');
  });

  it('rejects a misspelt field instead of dropping it', async () => {
    const { outputSchema, ...rest } = { ...profile('typo'), outputSchema: { type: 'object' } };
    const response = await postJson(stack.baseUrl, '/api/model-profiles', { ...rest, outputSchme: outputSchema });
    const rename = await requestJson(stack.baseUrl, 'PUT', '/api/model-profiles/typo', {
      ...profile('other'),
    });

    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toContain('outputSchme');
    expect(rename.status).toBe(400);
    expect(JSON.stringify(rename.body)).toContain('name');
  });

  it('rejects an output schema whose root is not an object', async () => {
    const response = await postJson(
      stack.baseUrl,
      '/api/model-profiles',
      profile('string-schema', { outputSchema: { type: 'string' } }),
    );

    expect(response.status).toBe(400);
    expect(response.body.message).toContain('"type": "object"');
  });

  it('refuses unknown parameters and a negative price', async () => {
    const response = await postJson(
      stack.baseUrl,
      '/api/model-profiles',
      profile('bad-values', { parameters: { temprature: 0.2 }, priceOutPerMillionUsd: -1 }),
    );

    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toContain('temprature');
    expect(JSON.stringify(response.body)).toContain('priceOutPerMillionUsd');
  });

  describe('creating a run', () => {
    let documentId: string;

    beforeAll(async () => {
      const upload = await uploadBytes(
        stack.baseUrl,
        `runs-${randomUUID()}.pdf`,
        await buildTextPdf('Profile checks', 1),
      );
      documentId = (await waitForIngest(stack.baseUrl, upload.body.id)).id;
    });

    it('needs a profile for ocr+llm and vlm, and refuses one for ocr', async () => {
      for (const pipeline of ['ocr+llm', 'vlm']) {
        const response = await postJson(stack.baseUrl, `/api/documents/${documentId}/runs`, { pipeline });
        expect(response.status).toBe(400);
        expect(JSON.stringify(response.body)).toContain(`pipeline ${pipeline} needs a model profile`);
      }
      const ocr = await postJson(stack.baseUrl, `/api/documents/${documentId}/runs`, { pipeline: 'ocr', profile: 'x' });
      expect(ocr.status).toBe(400);
      expect(JSON.stringify(ocr.body)).toContain('uses no model profile');
    });

    it('refuses paddleocr with a language it cannot read', async () => {
      const response = await postJson(stack.baseUrl, `/api/documents/${documentId}/runs`, {
        pipeline: 'ocr',
        ocrEngine: 'paddleocr',
        languages: ['eng', 'deu'],
      });

      expect(response.status).toBe(400);
      expect(JSON.stringify(response.body)).toContain('paddleocr reads only eng, not deu');
    });

    it('refuses a profile that does not exist', async () => {
      const response = await postJson(stack.baseUrl, `/api/documents/${documentId}/runs`, {
        pipeline: 'vlm',
        profile: 'missing-profile',
      });

      expect(response.status).toBe(400);
      expect(response.body.message).toBe(
        'Model profile "missing-profile" does not exist; create it with POST /api/model-profiles.',
      );
    });

    it('refuses a profile whose provider was removed from the environment, and queues nothing', async () => {
      // Written directly: the API refuses such a profile, but the environment may change after it was stored.
      await prisma.modelProfile.create({
        data: { name: 'orphaned', provider: 'gone', model: 'm', prompt: 'p', parameters: {} },
      });
      const runsBefore = await prisma.pipelineRun.count({ where: { documentId } });

      const response = await postJson(stack.baseUrl, `/api/documents/${documentId}/runs`, {
        pipeline: 'ocr+llm',
        profile: 'orphaned',
      });

      expect(response.status).toBe(400);
      expect(response.body.message).toContain('Provider "gone" named by profile "orphaned" is not configured');
      expect(response.body.message).toContain('PROVIDER_GONE_TYPE');
      expect(await prisma.pipelineRun.count({ where: { documentId } })).toBe(runsBefore);
    });
  });
});

describe('example profiles', () => {
  it('are valid profiles with compilable output schemas', async () => {
    const files = (await readdir(EXAMPLES)).filter((file) => file.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(5);

    for (const file of files) {
      const parsed = ModelProfileBody.safeParse(JSON.parse(await readFile(path.join(EXAMPLES, file), 'utf8')));
      expect({ file, issues: parsed.error?.issues ?? [] }).toEqual({ file, issues: [] });
      expect(parsed.data!.name).toBe(path.basename(file, '.json'));
      if (parsed.data!.outputSchema) {
        expect(validateOutputSchema(parsed.data!.outputSchema)).toBeNull();
      }
    }
  });
});
