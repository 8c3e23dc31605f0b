import { NativeTesseractEngine, characterErrorRate } from '@quire/models';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';

import { buildTextPdf } from '../support/generated-pdf';
import { getJson, postJson, samplePath, uploadBytes, uploadSample } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';
import { waitForIngest, waitForRun } from '../support/wait';

/**
 * Upload, ingest, OCR and read back, through the HTTP API and the worker, on the
 * same page scanned upright and turned three ways.
 */
describe('OCR pipeline end to end', () => {
  let stack: TestStack;
  let gold: string;
  let autoEngine: string;

  beforeAll(async () => {
    stack = await startTestStack();
    // `auto` picks native Tesseract where the binary is installed (CI installs it), else tesseract.js.
    autoEngine = (await NativeTesseractEngine.probe()) ? 'tesseract' : 'tesseract.js';
    gold = await readFile(samplePath('rotated_phototest_90_180_270', 'phototest.gold.txt'), 'utf8');
  });

  afterAll(async () => {
    await stack?.close();
  });

  // CER measured through this pipeline: 0.0 % on each of the four files (`npx jest test/e2e/ocr-pipeline`).
  const MAX_CER = 0.03;

  it.each([
    ['phototest.tif', 0],
    ['phototest-rotated-L.png', 90],
    ['phototest-rotated-R.png', 270],
    ['phototest-rotated-180.png', 180],
  ])('reads %s upright', async (file, expectedRotation) => {
    const upload = await uploadSample(stack.baseUrl, `rotated_phototest_90_180_270/${file}`);
    expect(upload.status).toBe(201);

    const document = await waitForIngest(stack.baseUrl, upload.body.id);
    expect(document.state).toBe('ready');
    expect(document.pages).toHaveLength(1);
    expect(document.pages[0].rotation).toBe(expectedRotation);

    const run = await postJson(stack.baseUrl, `/api/documents/${document.id}/runs`, {
      pipeline: 'ocr',
      languages: ['eng'],
    });
    expect(run.status).toBe(201);
    expect(run.body.config).toEqual({
      pipeline: 'ocr',
      ocr: { engine: 'auto', languages: ['eng'], useTextLayer: true },
    });
    const finished = await waitForRun(stack.baseUrl, run.body.id);
    expect(finished.state).toBe('succeeded');
    expect(finished.progress).toMatchObject({ total: 1, done: 1, succeeded: 1 });
    expect(finished.steps[0].durationMs).toBeGreaterThan(0);

    const revisions = await getJson(stack.baseUrl, `/api/pages/${document.pages[0].id}/transcriptions`);
    expect(revisions.body.items).toHaveLength(1);
    const revision = revisions.body.items[0];
    expect(revision.runId).toBe(run.body.id);
    expect(revision.engine).toBe(autoEngine);
    expect(characterErrorRate(gold, revision.text)).toBeLessThan(MAX_CER);
    expect(revision.words.length).toBeGreaterThan(50);

    const page = document.pages[0];
    for (const word of revision.words) {
      expect(word.confidence).toBeGreaterThanOrEqual(0);
      expect(word.confidence).toBeLessThanOrEqual(100);
      expect(word.bbox.x1).toBeLessThanOrEqual(page.width);
      expect(word.bbox.y1).toBeLessThanOrEqual(page.height);
    }
  });

  it('text layer unless OCR is forced', async () => {
    const upload = await uploadBytes(stack.baseUrl, 'text-layer.pdf', await buildTextPdf('Text layer', 1));
    const document = await waitForIngest(stack.baseUrl, upload.body.id);
    expect(document.pages[0].hasTextLayer).toBe(true);
    const runWith = async (options: Record<string, unknown>) => {
      const started = await postJson(stack.baseUrl, `/api/documents/${document.id}/runs`, {
        pipeline: 'ocr',
        ...options,
      });
      expect(started.status).toBe(201);
      const finished = await waitForRun(stack.baseUrl, started.body.id);
      expect(finished.state).toBe('succeeded');
      const revisions = await getJson(stack.baseUrl, `/api/pages/${document.pages[0].id}/transcriptions`);
      return revisions.body.items.find((revision: { runId: string }) => revision.runId === started.body.id);
    };
    const expected = [
      'Text layer: page 1 of 1',
      'The quick brown fox jumps over the lazy dog.',
      'Line three of page 1 holds the number 1000.',
    ].join('\n');

    const fromLayer = await runWith({});
    const engines = ['tesseract.js', 'paddleocr'];
    const fromOcr = [];
    for (const ocrEngine of engines) {
      fromOcr.push(await runWith({ forceOcr: true, ocrEngine }));
    }

    expect(fromLayer).toMatchObject({ engine: 'pdf-text-layer', text: expected });
    expect(fromLayer.words).toHaveLength(expected.split(/\s+/).length);
    expect(fromOcr.map((revision) => revision.engine)).toEqual(engines);
    for (const revision of fromOcr) {
      expect(characterErrorRate(expected, revision.text)).toBeLessThan(0.05);
    }
  });

  it('serves upright and original page images', async () => {
    const upload = await uploadSample(stack.baseUrl, 'rotated_phototest_90_180_270/phototest-rotated-L.png');
    const document = await waitForIngest(stack.baseUrl, upload.body.id);
    const page = document.pages[0];

    const upright = await fetch(`${stack.baseUrl}/api/pages/${page.id}/image`);
    const original = await fetch(`${stack.baseUrl}/api/pages/${page.id}/image?variant=original`);
    expect(upright.headers.get('content-type')).toBe('image/png');
    const uprightMeta = await sharp(Buffer.from(await upright.arrayBuffer())).metadata();
    const originalMeta = await sharp(Buffer.from(await original.arrayBuffer())).metadata();

    expect([uprightMeta.width, uprightMeta.height]).toEqual([page.width, page.height]);
    expect([originalMeta.width, originalMeta.height]).toEqual([page.height, page.width]);
    const unknownVariant = await fetch(`${stack.baseUrl}/api/pages/${page.id}/image?variant=thumbnail`);
    expect(unknownVariant.status).toBe(400);
  });

  it('lists documents filtered by state', async () => {
    const ready = await getJson(stack.baseUrl, '/api/documents?state=ready&pageSize=2');
    const invalid = await getJson(stack.baseUrl, '/api/documents?state=finished');

    expect(ready.status).toBe(200);
    expect(ready.body.items.length).toBeLessThanOrEqual(2);
    expect(ready.body.total).toBeGreaterThanOrEqual(4);
    expect(ready.body.items.every((document: { state: string }) => document.state === 'ready')).toBe(true);
    expect(invalid.status).toBe(400);
  });

  it('publishes OpenAPI and health', async () => {
    const openApi = await getJson(stack.baseUrl, '/api/docs/openapi.json');
    const health = await getJson(stack.baseUrl, '/health');

    expect(Object.keys(openApi.body.paths)).toEqual(
      expect.arrayContaining(['/api/documents', '/api/documents/{id}', '/api/documents/{id}/runs', '/api/runs/{id}']),
    );
    const schemas = openApi.body.components.schemas;
    expect(schemas).toHaveProperty('RunDetailDto_Output');
    expect(schemas.DocumentSummaryDto.properties.ingestError.anyOf).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'string' }), { type: 'null' }]),
    );
    expect(health.body).toEqual({ status: 'ok', checks: { postgres: { ok: true }, redis: { ok: true } } });
  });
});
