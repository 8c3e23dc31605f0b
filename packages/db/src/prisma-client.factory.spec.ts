import { randomUUID } from 'node:crypto';

import { getDatabaseName } from './database-url';
import { Prisma, type PrismaClient } from './generated/prisma/client';
import { createPrismaClient } from './prisma-client.factory';

describe('createPrismaClient', () => {
  const databaseUrl = process.env.DATABASE_URL;
  let prisma: PrismaClient;

  beforeAll(() => {
    if (!databaseUrl) {
      throw new Error(
        'DATABASE_URL is not set: run these tests through Jest, whose global setup creates the test database.',
      );
    }
    prisma = createPrismaClient(databaseUrl);
  });

  afterAll(async () => {
    await prisma?.$disconnect();
  });

  /** Creates a document with one page, a run over it with one OCR step, and returns their ids. */
  async function createDocumentWithStep(): Promise<{ pageId: string; stepId: string }> {
    const document = await prisma.document.create({
      data: {
        filename: 'letter.pdf',
        mediaType: 'application/pdf',
        sizeBytes: 48_213n,
        sha256: randomUUID().replaceAll('-', ''),
        blobKey: `documents/${randomUUID()}`,
        pages: {
          create: {
            index: 0,
            imageBlobKey: `pages/${randomUUID()}.png`,
            width: 1700,
            height: 2200,
            dpi: 200,
            originalBlobKey: `pages/${randomUUID()}-original.png`,
            originalWidth: 2200,
            originalHeight: 1700,
            rotation: 90,
          },
        },
      },
      include: { pages: true },
    });
    const page = document.pages[0];
    if (!page) {
      throw new Error(`Document ${document.id} was created without its page.`);
    }

    const run = await prisma.pipelineRun.create({
      data: {
        documentId: document.id,
        pipeline: 'ocr',
        config: { engine: 'tesseract.js', languages: ['eng'] },
        pagesTotal: 1,
        steps: { create: { pageId: page.id, kind: 'ocr' } },
      },
      include: { steps: true },
    });
    const step = run.steps[0];
    if (!step) {
      throw new Error(`Run ${run.id} was created without its step.`);
    }

    return { pageId: page.id, stepId: step.id };
  }

  function transcriptionFor(pageId: string, stepId: string, text: string): Prisma.TranscriptionUncheckedCreateInput {
    return {
      pageId,
      stepId,
      source: 'model',
      text,
      words: [{ text, confidence: 96.5, bbox: { x0: 10, y0: 20, x1: 90, y1: 44 } }],
      meanConfidence: 96.5,
      engine: 'tesseract.js',
      languages: ['eng'],
    };
  }

  it('connects to the test database of this run', async () => {
    expect(databaseUrl).toBeDefined();
    expect(getDatabaseName(databaseUrl!)).toMatch(/^quire_test_/);

    const [row] = await prisma.$queryRaw<Array<{ database: string }>>`SELECT current_database()::text AS database`;
    expect(row?.database).toBe(getDatabaseName(databaseUrl!));
  });

  it('reads columns of type name as text', async () => {
    // current_database() returns PostgreSQL's `name` type, which @prisma/adapter-pg 6.19 rejects unmapped.
    const [row] = await prisma.$queryRaw<Array<{ database: unknown }>>`SELECT current_database() AS database`;

    expect(row?.database).toBe(getDatabaseName(databaseUrl!));
  });

  it('stores a transcription of a step', async () => {
    const { pageId, stepId } = await createDocumentWithStep();

    const created = await prisma.transcription.create({ data: transcriptionFor(pageId, stepId, 'Dear Sir,') });
    const stored = await prisma.transcription.findUniqueOrThrow({ where: { stepId }, include: { step: true } });

    expect(stored.id).toBe(created.id);
    expect(stored.text).toBe('Dear Sir,');
    expect(stored.languages).toEqual(['eng']);
    expect(stored.words).toEqual([{ text: 'Dear Sir,', confidence: 96.5, bbox: { x0: 10, y0: 20, x1: 90, y1: 44 } }]);
    expect(stored.step?.state).toBe('queued');
  });

  it('rejects a second transcription of one step', async () => {
    const { pageId, stepId } = await createDocumentWithStep();
    await prisma.transcription.create({ data: transcriptionFor(pageId, stepId, 'first delivery') });

    const duplicate = prisma.transcription.create({ data: transcriptionFor(pageId, stepId, 'second delivery') });

    await expect(duplicate).rejects.toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    await expect(duplicate).rejects.toMatchObject({ code: 'P2002' });
    await expect(duplicate).rejects.toThrow(/stepId/);
    const revisions = await prisma.transcription.findMany({ where: { pageId } });
    expect(revisions.map((revision) => revision.text)).toEqual(['first delivery']);
  });
});
