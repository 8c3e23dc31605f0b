import { IngestDocumentPayload, QueueName } from '@quire/contracts';
import { Redis } from 'ioredis';

import { getJson, postJson, uploadBytes, uploadSample } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';
import { waitForIngest, waitForRun } from '../support/wait';

const PASSWORD = 'openpassword';

/**
 * Every damaged or hostile input from the samples, uploaded together with good
 * ones: each bad case gets its stated outcome and the good ones still succeed.
 */
describe('bad input', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ MAX_UPLOAD_BYTES: String(2 * 1024 * 1024) });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('rejects an empty file at upload', async () => {
    const response = await uploadSample(stack.baseUrl, 'malformed_zero_byte_tif/00000001_DESKEW.tif');

    expect(response.status).toBe(400);
    expect(response.body.message).toMatch(/"00000001_DESKEW\.tif" is empty/);
  });

  it('rejects a type sniffed from the bytes, not the name', async () => {
    const response = await uploadBytes(stack.baseUrl, 'looks-like.pdf', Buffer.from('plain text, not a PDF\n'));

    expect(response.status).toBe(415);
    expect(response.body.message).toMatch(/not a supported type/);
  });

  it('rejects a file over the upload limit', async () => {
    const oversized = Buffer.alloc(2 * 1024 * 1024 + 1);
    Buffer.from('%PDF-1.7\n').copy(oversized);
    const response = await uploadBytes(stack.baseUrl, 'large.pdf', oversized);

    expect(response.status).toBe(413);
    expect(response.body.message).toMatch(/upload limit of 2097152 bytes/);
  });

  it('rejects a missing file field', async () => {
    const response = await fetch(`${stack.baseUrl}/api/documents`, { method: 'POST', body: new FormData() });

    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/Missing multipart field "file"/);
  });

  it('gives each damaged file its outcome while good uploads succeed', async () => {
    const uploads = await Promise.all([
      uploadSample(stack.baseUrl, 'malformed_pdf_header_then_eof/invalid.pdf'),
      uploadSample(stack.baseUrl, 'huge_pdf_35000px_bilevel_bomb/hugemono.pdf'),
      uploadSample(stack.baseUrl, 'encrypted_pdf_rc4_openpassword/libreoffice-writer-password.pdf'),
      uploadSample(stack.baseUrl, 'multipage_tiff_ccitt_g4_3pages/ccittg4multi.tif'),
      uploadSample(stack.baseUrl, 'letter_itu_fax_slerexe_1972/itu1.pbm'),
      uploadSample(stack.baseUrl, 'multipage_pdf_mixed_6pages/multipage.pdf'),
    ]);
    expect(uploads.map((upload) => upload.status)).toEqual([201, 201, 201, 201, 201, 201]);
    const [invalid, bomb, encrypted, tiff, fax, multipage] = await Promise.all(
      uploads.map((upload) => waitForIngest(stack.baseUrl, upload.body.id, 300_000)),
    );

    expect(invalid.state).toBe('failed');
    expect(invalid.ingestError).toMatch(/invalid PDF/i);
    expect(bomb.state).toBe('failed');
    expect(bomb.ingestError).toMatch(/over the limit of [\d.]+ megapixels/);
    expect(encrypted.state).toBe('failed');
    expect(encrypted.ingestError).toMatch(/password/i);
    expect([invalid, bomb, encrypted].every((document) => document.pages.length === 0)).toBe(true);

    expect(tiff.state).toBe('ready');
    expect(tiff.pages).toHaveLength(3);
    expect(fax.state).toBe('ready');
    expect(fax.pages).toHaveLength(1);
    expect(multipage.state).toBe('ready');
    expect(multipage.pages).toHaveLength(6);
    // Page 3 is an upright chart on which orientation detection is unsure; unsure pages stay as scanned.
    expect(multipage.pages.map((page: { rotation: number }) => page.rotation)).toEqual([0, 0, 0, 0, 0, 0]);
  }, 400_000);

  it('opens an encrypted PDF with its password, which no response or payload contains', async () => {
    const sample = 'encrypted_pdf_rc4_openpassword/libreoffice-writer-password.pdf';
    const first = await uploadSample(stack.baseUrl, sample);
    expect((await waitForIngest(stack.baseUrl, first.body.id)).state).toBe('failed');

    const wrong = await uploadSample(stack.baseUrl, sample, { password: 'not-the-password' });
    expect(wrong.status).toBe(200);
    const wrongResult = await waitForIngest(stack.baseUrl, first.body.id);
    expect(wrongResult.ingestError).toMatch(/password does not open/);

    // The queue is paused so the job can be read before the worker takes it.
    const queue = stack.queue(QueueName.ingest);
    await queue.pause();
    const retry = await uploadSample(stack.baseUrl, sample, { password: PASSWORD });
    const jobs = await queue.getJobs(['waiting', 'prioritized']);
    await queue.resume();
    expect(retry.status).toBe(200);
    const job = jobs.find((candidate) => candidate.data.documentId === first.body.id);
    expect(job).toBeDefined();
    expect(IngestDocumentPayload.parse(job!.data).passwordSecretId).toBeDefined();
    expect(JSON.stringify(job!.data)).not.toContain(PASSWORD);
    expect(retry.body.id).toBe(first.body.id);
    const document = await waitForIngest(stack.baseUrl, first.body.id);
    expect(document.state).toBe('ready');
    expect(document.ingestError).toBeNull();

    const run = await postJson(stack.baseUrl, `/api/documents/${document.id}/runs`, { pipeline: 'ocr' });
    const finished = await waitForRun(stack.baseUrl, run.body.id);
    expect(finished.state).toBe('succeeded');
    const revisions = await getJson(stack.baseUrl, `/api/pages/${document.pages[0].id}/transcriptions`);
    expect(revisions.body.items[0].text).toMatch(/lorem ipsum/i);

    const responses = JSON.stringify([retry.body, document, run.body, finished, revisions.body]);
    expect(responses).not.toContain(PASSWORD);
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      expect(await redis.keys(`${stack.queuePrefix}:ingest-secret:*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  }, 200_000);
});
