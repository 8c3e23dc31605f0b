import { JobName, JobRetryPolicy, QueueName, jobIdFor } from '@quire/contracts';
import { createPrismaClient, type PrismaClient } from '@quire/db';
import { QueueEvents } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';

import { OcrPageHandler } from '../../apps/worker/src/ocr/ocr-page.handler';
import { ReconcilerService } from '../../apps/worker/src/reconcile/reconciler.service';
import { buildTextPdf } from '../support/generated-pdf';
import { getJson, postJson, uploadBytes, uploadSample } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';
import { waitFor, waitForIngest, waitForRun } from '../support/wait';

describe('runs', () => {
  let stack: TestStack;
  let prisma: PrismaClient;

  beforeAll(async () => {
    // One page at a time, so a cancel lands while pages are still waiting.
    stack = await startTestStack({ OCR_CONCURRENCY: '1' });
    prisma = createPrismaClient(process.env.DATABASE_URL!);
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await stack?.close();
  });

  async function readyDocument(filename: string, bytes: Uint8Array): Promise<any> {
    const upload = await uploadBytes(stack.baseUrl, filename, bytes);
    const document = await waitForIngest(stack.baseUrl, upload.body.id);
    expect(document.state).toBe('ready');
    return document;
  }

  it('keeps one document for identical uploads', async () => {
    const [first, second] = await Promise.all([
      uploadSample(stack.baseUrl, 'brochure_linn_two_column/linn.png'),
      uploadSample(stack.baseUrl, 'brochure_linn_two_column/linn.png'),
    ]);

    expect([first.status, second.status].sort()).toEqual([200, 201]);
    expect(second.body.id).toBe(first.body.id);
    expect(await prisma.document.count({ where: { sha256: first.body.sha256 } })).toBe(1);
  });

  it('leaves one revision when a page job is delivered twice', async () => {
    const document = await readyDocument(`duplicate-${randomUUID()}.pdf`, await buildTextPdf('Duplicate delivery', 1));
    const run = await postJson(stack.baseUrl, `/api/documents/${document.id}/runs`, { pipeline: 'ocr' });
    const step = run.body.steps[0];

    const events = new QueueEvents(QueueName.ocr, {
      prefix: stack.queuePrefix,
      connection: stack.queue(QueueName.ocr).opts.connection,
    });
    try {
      await events.waitUntilReady();
      const duplicate = await stack
        .queue(QueueName.ocr)
        .add(
          JobName.ocrPage,
          { runId: run.body.id, stepId: step.id, pageId: step.pageId },
          { ...JobRetryPolicy[JobName.ocrPage], jobId: jobIdFor(JobName.ocrPage, step.id, 2) },
        );
      await duplicate.waitUntilFinished(events, 120_000);
    } finally {
      await events.close();
    }
    const finished = await waitForRun(stack.baseUrl, run.body.id);

    expect(finished.state).toBe('succeeded');
    expect(await prisma.transcription.count({ where: { pageId: step.pageId } })).toBe(1);
  });

  it('leaves one revision when two deliveries of a page overlap', async () => {
    const document = await readyDocument(`overlap-${randomUUID()}.pdf`, await buildTextPdf('Overlapping delivery', 1));
    const ocr = stack.queue(QueueName.ocr);
    await ocr.pause();
    const run = await postJson(stack.baseUrl, `/api/documents/${document.id}/runs`, { pipeline: 'ocr' });
    const step = run.body.steps[0];
    const handler = stack.worker.get(OcrPageHandler);
    // Both deliveries find the step unfinished and read the page; only the first write may land.
    const delivery = (id: string) =>
      ({
        id,
        name: JobName.ocrPage,
        data: { runId: run.body.id, stepId: step.id, pageId: step.pageId },
        attemptsMade: 0,
        opts: { attempts: 3 },
      }) as any;

    const outcomes = await Promise.all([handler.handle(delivery('first')), handler.handle(delivery('second'))]);
    await ocr.resume();

    expect(outcomes.sort()).toEqual(['skipped', 'succeeded']);
    expect(await prisma.transcription.count({ where: { pageId: step.pageId } })).toBe(1);
    expect(await waitForRun(stack.baseUrl, run.body.id)).toMatchObject({ state: 'succeeded' });
  });

  it('stops the remaining pages of a cancelled run', async () => {
    const pages = 8;
    const document = await readyDocument(`cancel-${randomUUID()}.pdf`, await buildTextPdf('Cancelled run', pages));
    // forceOcr: the PDF's own text layer would finish every page at once.
    const run = await postJson(stack.baseUrl, `/api/documents/${document.id}/runs`, {
      pipeline: 'ocr',
      forceOcr: true,
    });
    await waitFor(
      async () => {
        const current = (await getJson(stack.baseUrl, `/api/runs/${run.body.id}`)).body;
        return current.progress.done >= 1 ? current : undefined;
      },
      () => `run ${run.body.id} has no finished page yet`,
    );

    const cancel = await postJson(stack.baseUrl, `/api/runs/${run.body.id}/cancel`, {});
    expect(cancel.status).toBe(200);
    expect(cancel.body.state).toBe('cancelled');
    const settled = await waitFor(
      async () => {
        const current = (await getJson(stack.baseUrl, `/api/runs/${run.body.id}`)).body;
        return current.steps.some((step: any) => step.state === 'running' || step.state === 'queued')
          ? undefined
          : current;
      },
      () => `run ${run.body.id} still has a running page`,
    );

    const succeeded = settled.steps.filter((step: any) => step.state === 'succeeded').length;
    expect(settled.state).toBe('cancelled');
    expect(succeeded).toBeGreaterThanOrEqual(1);
    expect(succeeded).toBeLessThan(pages);
    expect(settled.progress.cancelled).toBe(pages - succeeded);
    const revisions = await prisma.transcription.count({ where: { page: { documentId: document.id } } });
    expect(revisions).toBe(succeeded);

    const again = await postJson(stack.baseUrl, `/api/runs/${run.body.id}/cancel`, {});
    expect(again.status).toBe(409);
  });

  it('fails one page without failing the others', async () => {
    const document = await readyDocument(`broken-page-${randomUUID()}.pdf`, await buildTextPdf('Broken page', 2));
    const page = await prisma.page.findFirstOrThrow({ where: { documentId: document.id, index: 1 } });
    const key = page.imageBlobKey;
    await rm(path.join(stack.blobDirectory, key.slice(0, 2), key.slice(2, 4), key));

    // forceOcr: the page image must be read, not the PDF's text layer.
    const run = await postJson(stack.baseUrl, `/api/documents/${document.id}/runs`, {
      pipeline: 'ocr',
      forceOcr: true,
    });
    const finished = await waitForRun(stack.baseUrl, run.body.id);

    expect(finished.state).toBe('failed');
    expect(finished.error).toMatch(/1 of 2 pages/);
    expect(finished.steps.map((step: any) => step.state)).toEqual(['succeeded', 'failed']);
    expect(finished.steps[1].error).toMatch(/not found/);
    expect(finished.steps[1].attempts).toBe(JobRetryPolicy[JobName.ocrPage].attempts);
  });

  it('re-enqueues a run whose jobs Redis lost', async () => {
    const document = await readyDocument(`lost-${randomUUID()}.pdf`, await buildTextPdf('Lost jobs', 2));
    const pages = await prisma.page.findMany({ where: { documentId: document.id }, orderBy: { index: 'asc' } });
    // A run in PostgreSQL with no job in Redis is what a Redis restart leaves behind.
    const run = await prisma.pipelineRun.create({
      data: {
        documentId: document.id,
        pipeline: 'ocr',
        config: { pipeline: 'ocr', ocr: { engine: 'tesseract.js', languages: ['eng'], useTextLayer: false } },
        pagesTotal: pages.length,
        steps: { create: pages.map((page) => ({ pageId: page.id, kind: 'ocr' })) },
      },
    });

    const reconciled = await stack.worker
      .get(ReconcilerService)
      .reconcileOnce(new Date(Date.now() + 1_000), document.id);
    const finished = await waitForRun(stack.baseUrl, run.id);
    const again = await stack.worker.get(ReconcilerService).reconcileOnce(new Date(Date.now() + 1_000), document.id);

    expect(reconciled).toEqual({ ingests: 0, runs: 1 });
    expect(finished.state).toBe('succeeded');
    expect(finished.progress.succeeded).toBe(2);
    expect(again).toEqual({ ingests: 0, runs: 0 });
  });

  it('rejects runs it cannot start', async () => {
    const unknownDocument = await postJson(stack.baseUrl, `/api/documents/${randomUUID()}/runs`, { pipeline: 'ocr' });
    const notUuid = await getJson(stack.baseUrl, '/api/runs/not-a-uuid');
    const document = await readyDocument(`languages-${randomUUID()}.pdf`, await buildTextPdf('Languages', 1));
    const badLanguage = await postJson(stack.baseUrl, `/api/documents/${document.id}/runs`, {
      pipeline: 'ocr',
      languages: ['xyz'],
    });
    const badPipeline = await postJson(stack.baseUrl, `/api/documents/${document.id}/runs`, { pipeline: 'magic' });

    expect(unknownDocument.status).toBe(404);
    expect(notUuid.status).toBe(400);
    expect(badLanguage.status).toBe(400);
    expect(JSON.stringify(badLanguage.body)).toMatch(/languages/);
    expect(badPipeline.status).toBe(400);
  });
});
