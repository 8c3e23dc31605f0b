import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { characterErrorRate } from '../evaluation/character-error-rate.metric';
import { matchWordsByBox, type ReferenceWord } from '../evaluation/word-box-match.metric';
import { readSample, samplePath } from '../testing/samples';
import { OcrError } from './ocr-engine';
import {
  NativeTesseractEngine,
  parseLanguageList,
  parseTesseractVersion,
  type NativeTesseractProbe,
} from './native-tesseract.engine';

jest.setTimeout(120_000);

const phototest = (): Buffer => readSample('rotated_phototest_90_180_270', 'phototest.tif');
const eurotext = (): Buffer => readSample('multilingual_eurotext', 'eurotext.tif');

/**
 * Jest decides which suites run before any test starts, so the binary is looked for synchronously
 * here; the first test checks that `NativeTesseractEngine.probe()` agrees.
 */
function findBinarySynchronously(): NativeTesseractProbe | null {
  try {
    const version = execFileSync('tesseract', ['--version'], { encoding: 'utf8', stdio: 'pipe' });
    const listing = execFileSync('tesseract', ['--list-langs'], { encoding: 'utf8', stdio: 'pipe' });

    return { version: parseTesseractVersion(version), languages: parseLanguageList(listing) };
  } catch {
    return null;
  }
}

const found = findBinarySynchronously();
if (found === null) {
  console.warn(
    'Skipping the NativeTesseractEngine specs that read pages: no runnable `tesseract` on PATH. ' +
      'Install it with `apt-get install tesseract-ocr` to run them.',
  );
}
const describeWithBinary = found === null ? describe.skip : describe;

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
async function waitFor(condition: () => boolean, maxTurns = 2000): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn += 1) {
    if (condition()) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`Condition still false after ${maxTurns} checks.`);
}

function readFunsdWords(folder: string, file: string): ReferenceWord[] {
  const form = JSON.parse(readFileSync(samplePath(folder, file), 'utf8')) as {
    form: { words: { text: string; box: [number, number, number, number] }[] }[];
  };

  return form.form.flatMap((entity) =>
    entity.words.map(({ text, box: [x0, y0, x1, y1] }) => ({ text, bbox: { x0, y0, x1, y1 } })),
  );
}

describe('Tesseract command output parsing', () => {
  it('reads the version from the first line', () => {
    expect(parseTesseractVersion('tesseract 5.3.0\n leptonica-1.82.0\n')).toBe('5.3.0');
    expect(parseTesseractVersion('no version here')).toBe('unknown');
  });

  it('lists languages without the header and osd', () => {
    const listing = 'List of available languages in "/usr/share/tesseract-ocr/5/tessdata/" (3):\neng\nosd\ndeu\n';

    expect(parseLanguageList(listing)).toEqual(['deu', 'eng']);
  });
});

describe('NativeTesseractEngine without a binary', () => {
  const engine = new NativeTesseractEngine({ binary: '/nonexistent/tesseract' });

  afterAll(() => engine.close());

  it('probes to null', async () => {
    await expect(NativeTesseractEngine.probe('/nonexistent/tesseract')).resolves.toBeNull();
  });

  it('lists no languages and fails a call with the reason', async () => {
    expect(engine.installedLanguages()).toEqual([]);

    const error = await rejection(engine.recognize(phototest(), { languages: ['eng'] }));

    expect(error.code).toBe('engine_failed');
    expect(error.message).toContain('was not found');
  });
});

describeWithBinary('NativeTesseractEngine', () => {
  let engine: NativeTesseractEngine;

  beforeAll(() => {
    engine = new NativeTesseractEngine({ concurrency: 1 });
  });

  afterAll(async () => {
    await engine.close();
  });

  it('probes the installed binary', async () => {
    const probe = await NativeTesseractEngine.probe();

    expect(probe).toEqual(found);
    expect(probe?.version).toMatch(/^\d+\.\d+/);
    expect(probe?.languages).toContain('eng');
    expect(engine.installedLanguages()).toEqual(probe?.languages);
  });

  it('reads phototest with words, boxes and confidences', async () => {
    const gold = readFileSync(samplePath('rotated_phototest_90_180_270', 'phototest.gold.txt'), 'utf8');

    const result = await engine.recognize(phototest(), { languages: ['eng'] });

    // Measured 0.00 % with Tesseract 5.3.0 and Debian's English model.
    expect(characterErrorRate(gold, result.text)).toBeLessThanOrEqual(0.01);
    expect(result.text).toContain('The quick brown dog jumped over the\nlazy fox.');
    expect(result.text).toContain('of file format.\n\nThe quick');
    expect(result).toMatchObject({ engine: 'tesseract', languages: ['eng'], usage: { pages: 1 } });
    expect(result.words[0]?.text).toBe('This');
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

  it('reads eurotext with English and German', async () => {
    if (!found?.languages.includes('deu')) {
      console.warn('Skipping the English and German page: no deu model (apt-get install tesseract-ocr-deu).');
      return;
    }
    const reference = readFileSync(samplePath('multilingual_eurotext', 'eurotext.txt'), 'utf8');

    const result = await engine.recognize(eurotext(), { languages: ['eng', 'deu'] });

    expect(result.languages).toEqual(['eng', 'deu']);
    // Measured 1.21 % with all six languages and 2.18 % with English alone.
    expect(characterErrorRate(reference, result.text)).toBeLessThanOrEqual(0.025);
  });

  it('reads a FUNSD form by word boxes', async () => {
    const reference = readFunsdWords('form_funsd_fax_cover_82092117', '82092117.json');

    const result = await engine.recognize(readSample('form_funsd_fax_cover_82092117', '82092117.png'), {
      languages: ['eng'],
    });
    const match = matchWordsByBox(reference, result.words);

    expect(match.pairs.filter((pair) => pair.hypothesis.length > 0).length).toBeGreaterThan(100);
    // Measured 31.88 % with psm 3 (52.45 % with psm 6).
    expect(match.wordCharacterErrorRate).toBeLessThanOrEqual(0.35);
  });

  it('rejects languages that are not installed, naming each', async () => {
    const error = await rejection(engine.recognize(phototest(), { languages: ['eng', 'xyz', 'qqq'] }));

    expect(error.code).toBe('language_not_installed');
    expect(error.message).toContain('"xyz", "qqq"');
    expect(error.message).toContain('tesseract-ocr-xyz');
    expect(error.message).toContain('eng');
  });

  it('rejects an empty language list and an empty image', async () => {
    expect((await rejection(engine.recognize(phototest(), { languages: [] }))).code).toBe('language_not_installed');
    expect((await rejection(engine.recognize(Buffer.alloc(0), { languages: ['eng'] }))).code).toBe('engine_failed');
  });

  it('fails on bytes that are no image, then reads the next page', async () => {
    const error = await rejection(engine.recognize(Buffer.from('not an image at all'), { languages: ['eng'] }));

    expect(error.code).toBe('engine_failed');
    expect(error.message).toContain('Native Tesseract exited');
    expect((await engine.recognize(phototest(), { languages: ['eng'] })).text).toContain('quick brown dog');
  });

  it('times out, kills the process and reads the next page', async () => {
    const error = await rejection(engine.recognize(eurotext(), { languages: ['eng'], timeoutMs: 1 }));

    expect(error.code).toBe('timeout');
    expect(error.message).toContain('1 ms');
    expect(engine.processStats()).toEqual({ running: 0, waiting: 0 });
    expect((await engine.recognize(phototest(), { languages: ['eng'] })).text).toContain('quick brown dog');
  });

  it('rejects when already aborted', async () => {
    const error = await rejection(
      engine.recognize(phototest(), { languages: ['eng'], signal: AbortSignal.abort(new Error('stop')) }),
    );

    expect(error.code).toBe('aborted');
  });

  it('aborts a running recognition', async () => {
    const controller = new AbortController();
    const running = engine.recognize(eurotext(), { languages: ['eng'], signal: controller.signal });
    await waitFor(() => engine.processStats().running === 1);

    controller.abort();
    const error = await rejection(running);

    expect(error.code).toBe('aborted');
    expect(engine.processStats()).toEqual({ running: 0, waiting: 0 });
  });
});

describeWithBinary('NativeTesseractEngine concurrency', () => {
  const engines: NativeTesseractEngine[] = [];
  const createEngine = (concurrency: number): NativeTesseractEngine => {
    const engine = new NativeTesseractEngine({ concurrency });
    engines.push(engine);

    return engine;
  };

  afterEach(async () => {
    await Promise.all(engines.splice(0).map((engine) => engine.close()));
  });

  it('runs two processes at once with concurrency 2', async () => {
    const engine = createEngine(2);
    let maxRunning = 0;
    let settled = 0;

    const pages = [eurotext(), eurotext()].map((image) =>
      engine.recognize(image, { languages: ['eng'] }).finally(() => {
        settled += 1;
      }),
    );
    await waitFor(() => {
      maxRunning = Math.max(maxRunning, engine.processStats().running);
      return settled === 2;
    });
    const results = await Promise.all(pages);

    expect(maxRunning).toBe(2);
    expect(results[0]?.text).toBe(results[1]?.text);
  });

  it('queues beyond concurrency and aborts a waiting call', async () => {
    const engine = createEngine(1);
    const first = engine.recognize(eurotext(), { languages: ['eng'] });
    const controller = new AbortController();
    const second = engine.recognize(phototest(), { languages: ['eng'], signal: controller.signal });
    const third = engine.recognize(phototest(), { languages: ['eng'] });
    await waitFor(() => engine.processStats().waiting === 2);

    controller.abort();
    const error = await rejection(second);

    expect(error.code).toBe('aborted');
    expect((await first).text).toContain('duck/goose');
    expect((await third).text).toContain('quick brown dog');
  });

  it('rejects running and later calls after close', async () => {
    const engine = createEngine(1);
    const running = engine.recognize(eurotext(), { languages: ['eng'] });
    await waitFor(() => engine.processStats().running === 1);

    await engine.close();
    const runningError = await rejection(running);
    const laterError = await rejection(engine.recognize(phototest(), { languages: ['eng'] }));

    expect(runningError.code).toBe('engine_failed');
    expect(runningError.message).toContain('closed');
    expect(laterError.code).toBe('engine_failed');
    expect(engine.processStats()).toEqual({ running: 0, waiting: 0 });
  });
});
