import { readSample } from '../testing/samples';
import { OcrError, type OcrResult } from './ocr-engine';
import { TesseractJsEngine, type TesseractJsEngineOptions } from './tesseract-js.engine';

jest.setTimeout(120_000);

const phototest = (): Buffer => readSample('rotated_phototest_90_180_270', 'phototest.tif');
const eurotext = (): Buffer => readSample('multilingual_eurotext', 'eurotext.tif');

/** Resolves with the rejection reason, failing the test if the promise resolves. */
async function rejection(promise: Promise<unknown>): Promise<OcrError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(OcrError);
    return error as OcrError;
  }
  throw new Error('Expected the call to reject, but it resolved.');
}

/** Waits, one event-loop turn at a time and for at most `maxTurns` turns, until `condition` holds. */
async function waitFor(condition: () => boolean, maxTurns = 2000): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn += 1) {
    if (condition()) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`Condition still false after ${maxTurns} checks.`);
}

describe('TesseractJsEngine', () => {
  let engine: TesseractJsEngine;

  beforeAll(() => {
    engine = new TesseractJsEngine();
  });

  afterAll(async () => {
    await engine.close();
  });

  it('lists installed languages without osd', () => {
    const languages = engine.installedLanguages();

    expect(languages).toEqual(expect.arrayContaining(['deu', 'eng', 'fra', 'ita', 'nld', 'por', 'spa']));
    expect(languages).not.toContain('osd');
  });

  it('reads words with boxes and confidences', async () => {
    const result: OcrResult = await engine.recognize(phototest(), { languages: ['eng'] });

    expect(result.text).toContain('The quick brown dog jumped over the');
    expect(result.engine).toBe('tesseract.js');
    expect(result.languages).toEqual(['eng']);
    expect(result.usage).toEqual({ pages: 1 });
    expect(result.words.length).toBeGreaterThan(50);
    const first = result.words[0];
    expect(first?.text).toBe('This');
    // phototest.tif is 640x480; every box must lie inside it.
    for (const word of result.words) {
      expect(word.bbox.x0).toBeGreaterThanOrEqual(0);
      expect(word.bbox.y0).toBeGreaterThanOrEqual(0);
      expect(word.bbox.x1).toBeLessThanOrEqual(640);
      expect(word.bbox.y1).toBeLessThanOrEqual(480);
      expect(word.bbox.x1).toBeGreaterThan(word.bbox.x0);
      expect(word.bbox.y1).toBeGreaterThan(word.bbox.y0);
      expect(word.confidence).toBeGreaterThanOrEqual(0);
      expect(word.confidence).toBeLessThanOrEqual(100);
    }
    const mean = result.words.reduce((sum, word) => sum + word.confidence, 0) / result.words.length;
    expect(result.meanConfidence).toBeCloseTo(mean);
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it('reuses the worker of a language set', async () => {
    await engine.recognize(phototest(), { languages: ['eng'] });
    await engine.recognize(phototest(), { languages: ['eng'] });

    expect(engine.poolStats()).toEqual({ workers: 1, busy: 0, waiting: 0 });
  });

  it('replaces the worker for another language set', async () => {
    const result = await engine.recognize(phototest(), { languages: ['deu', 'eng'] });

    expect(result.languages).toEqual(['deu', 'eng']);
    expect(result.text).toContain('quick brown dog');
    expect(engine.poolStats().workers).toBe(1);
  });

  it('rejects a language that is not installed', async () => {
    const error = await rejection(engine.recognize(phototest(), { languages: ['eng', 'xyz'] }));

    expect(error.code).toBe('language_not_installed');
    expect(error.message).toContain('"xyz"');
    expect(error.message).toContain('eng');
    expect(error.message).toContain('deu');
  });

  it('rejects a path as language code', async () => {
    const error = await rejection(engine.recognize(phototest(), { languages: ['../eng'] }));

    expect(error.code).toBe('language_not_installed');
  });

  it('rejects an empty language list', async () => {
    const error = await rejection(engine.recognize(phototest(), { languages: [] }));

    expect(error.code).toBe('language_not_installed');
  });

  it('rejects an empty image', async () => {
    const error = await rejection(engine.recognize(Buffer.alloc(0), { languages: ['eng'] }));

    expect(error.code).toBe('engine_failed');
  });

  it('fails on bytes that are no image, then recovers', async () => {
    const error = await rejection(engine.recognize(Buffer.from('not an image at all'), { languages: ['eng'] }));

    expect(error.code).toBe('engine_failed');
    expect(error.message).toContain('recognition failed');
    const result = await engine.recognize(phototest(), { languages: ['eng'] });
    expect(result.words.length).toBeGreaterThan(50);
  });

  it('times out, terminates and replaces the worker', async () => {
    const error = await rejection(engine.recognize(eurotext(), { languages: ['eng'], timeoutMs: 1 }));

    expect(error.code).toBe('timeout');
    expect(error.message).toContain('1 ms');
    expect(engine.poolStats().busy).toBe(0);
    const result = await engine.recognize(phototest(), { languages: ['eng'] });
    expect(result.text).toContain('quick brown dog');
  });

  it('rejects when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();

    const error = await rejection(engine.recognize(phototest(), { languages: ['eng'], signal: controller.signal }));

    expect(error.code).toBe('aborted');
  });

  it('aborts a running recognition', async () => {
    await engine.recognize(phototest(), { languages: ['eng'] });
    const controller = new AbortController();

    const running = engine.recognize(eurotext(), { languages: ['eng'], signal: controller.signal });
    await waitFor(() => engine.poolStats().busy === 1);
    controller.abort();
    const error = await rejection(running);

    expect(error.code).toBe('aborted');
    expect(engine.poolStats()).toEqual({ workers: 0, busy: 0, waiting: 0 });
  });
});

describe('TesseractJsEngine pool', () => {
  // Closing in afterEach also stops the worker threads of a test that timed out.
  const engines: TesseractJsEngine[] = [];
  const createEngine = (options: TesseractJsEngineOptions = {}): TesseractJsEngine => {
    const engine = new TesseractJsEngine(options);
    engines.push(engine);

    return engine;
  };

  afterEach(async () => {
    await Promise.all(engines.splice(0).map((engine) => engine.close()));
  });

  it('reads two pages in parallel with concurrency 2', async () => {
    const engine = createEngine({ concurrency: 2 });
    let maxBusy = 0;
    let settled = 0;

    const pages = [eurotext(), eurotext()].map((image) =>
      engine.recognize(image, { languages: ['eng'] }).finally(() => {
        settled += 1;
      }),
    );
    await waitFor(() => {
      maxBusy = Math.max(maxBusy, engine.poolStats().busy);
      return settled === 2;
    });
    const results = await Promise.all(pages);

    expect(maxBusy).toBe(2);
    expect(engine.poolStats().workers).toBe(2);
    expect(results[0]?.text).toBe(results[1]?.text);
  });

  it('queues beyond concurrency and aborts a waiting call', async () => {
    const engine = createEngine({ concurrency: 1 });
    const first = engine.recognize(eurotext(), { languages: ['eng'] });
    const controller = new AbortController();
    const second = engine.recognize(phototest(), { languages: ['eng'], signal: controller.signal });
    const third = engine.recognize(phototest(), { languages: ['eng'] });
    await waitFor(() => engine.poolStats().waiting === 2);

    controller.abort();
    const error = await rejection(second);

    expect(error.code).toBe('aborted');
    expect((await first).text).toContain('duck/goose');
    expect((await third).text).toContain('quick brown dog');
    expect(engine.poolStats()).toEqual({ workers: 1, busy: 0, waiting: 0 });
  });

  it('rejects running and later calls after close', async () => {
    const engine = createEngine();
    const running = engine.recognize(eurotext(), { languages: ['eng'] });
    await waitFor(() => engine.poolStats().busy === 1);

    await engine.close();
    const runningError = await rejection(running);
    const laterError = await rejection(engine.recognize(phototest(), { languages: ['eng'] }));

    expect(runningError.code).toBe('engine_failed');
    expect(runningError.message).toContain('closed');
    expect(laterError.code).toBe('engine_failed');
    expect(engine.poolStats().workers).toBe(0);
  });

  it('rejects a concurrency below 1', () => {
    expect(() => new TesseractJsEngine({ concurrency: 0 })).toThrow(RangeError);
  });
});
