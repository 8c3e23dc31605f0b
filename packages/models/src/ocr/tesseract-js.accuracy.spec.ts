import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { characterErrorRate } from '../evaluation/character-error-rate.metric';
import { matchWordsByBox, type ReferenceWord } from '../evaluation/word-box-match.metric';
import { readSample, samplePath } from '../testing/samples';
import type { OcrResult } from './ocr-engine';
import { TesseractJsEngine } from './tesseract-js.engine';
import { TesseractOrientationDetector } from './tesseract-orientation.detector';

// Character error rates measured with tesseract.js 7.0.0, `4.0.0_best_int` models and psm 3 on a
// 2-core x86-64 machine. Each limit sits a little above the measured value, so the test fails
// when recognition gets worse. Measure again with:
//   npx jest -c packages/models/jest.config.js packages/models/src/ocr/tesseract-js.accuracy.spec.ts
// which prints each rate and the seconds per page.

jest.setTimeout(180_000);

const PHOTOTEST = 'rotated_phototest_90_180_270';

interface Measurement {
  sample: string;
  rate: number;
  ocrSeconds: number;
  orientationSeconds: number;
}

interface FunsdForm {
  form: { words: { text: string; box: [number, number, number, number] }[] }[];
}

function readFunsdWords(...segments: string[]): ReferenceWord[] {
  const form = JSON.parse(readFileSync(samplePath(...segments), 'utf8')) as FunsdForm;

  return form.form.flatMap((entity) =>
    entity.words.map(({ text, box: [x0, y0, x1, y1] }) => ({ text, bbox: { x0, y0, x1, y1 } })),
  );
}

describe('tesseract.js accuracy on samples', () => {
  const engine = new TesseractJsEngine();
  const detector = new TesseractOrientationDetector();
  const measurements: Measurement[] = [];

  afterAll(async () => {
    await Promise.all([engine.close(), detector.close()]);
    const rows = measurements.map(
      (row) =>
        `${row.sample.padEnd(34)} CER ${(row.rate * 100).toFixed(2).padStart(6)} %  ` +
        `OCR ${row.ocrSeconds.toFixed(2)} s/page  orientation ${row.orientationSeconds.toFixed(2)} s/page`,
    );
    // The first page of each language set includes starting its worker, and other test files may
    // run at the same time, so scripts/measure-ocr.mts gives steadier seconds per page.
    console.log(`Measured on this machine:\n${rows.join('\n')}`);
  });

  /** Turns the image upright by the detected rotation, then reads it. */
  async function readUpright(
    image: Buffer,
    languages: string[],
  ): Promise<{ result: OcrResult; orientationSeconds: number }> {
    const started = performance.now();
    const orientation = await detector.detect(image);
    const orientationSeconds = (performance.now() - started) / 1000;
    const upright =
      orientation.rotation === 0 ? image : await sharp(image).rotate(orientation.rotation).png().toBuffer();

    return { result: await engine.recognize(upright, { languages }), orientationSeconds };
  }

  it.each(['phototest.tif', 'phototest-rotated-L.png', 'phototest-rotated-R.png', 'phototest-rotated-180.png'])(
    'reads %s like the gold text',
    async (file) => {
      const gold = readFileSync(samplePath(PHOTOTEST, 'phototest.gold.txt'), 'utf8');

      const { result, orientationSeconds } = await readUpright(readSample(PHOTOTEST, file), ['eng']);
      const rate = characterErrorRate(gold, result.text);
      measurements.push({ sample: file, rate, ocrSeconds: result.durationMs / 1000, orientationSeconds });

      // Measured 0.00 % for each of the four orientations.
      expect(rate).toBeLessThanOrEqual(0.01);
    },
  );

  it('reads eurotext in six languages', async () => {
    const reference = readFileSync(samplePath('multilingual_eurotext', 'eurotext.txt'), 'utf8');
    const languages = ['eng', 'deu', 'fra', 'ita', 'spa', 'por'];

    const { result, orientationSeconds } = await readUpright(
      readSample('multilingual_eurotext', 'eurotext.tif'),
      languages,
    );
    const rate = characterErrorRate(reference, result.text);
    measurements.push({ sample: 'eurotext.tif', rate, ocrSeconds: result.durationMs / 1000, orientationSeconds });

    expect(result.languages).toEqual(languages);
    // Measured 1.70 %.
    expect(rate).toBeLessThanOrEqual(0.025);
  });

  // FUNSD pages are noisy 72 dpi scans, and psm 3 takes the tables and boxed fields of the second
  // form for pictures and skips them. So these limits are high, but they still catch a regression.
  it.each([
    ['form_funsd_fax_cover_82092117', '82092117', 0.37], // measured 34.64 %
    ['form_funsd_table_form_82200067', '82200067_0069', 0.6], // measured 56.65 %
  ])('reads %s by word boxes', async (folder, name, limit) => {
    const reference = readFunsdWords(folder, `${name}.json`);

    const { result, orientationSeconds } = await readUpright(readSample(folder, `${name}.png`), ['eng']);
    const match = matchWordsByBox(reference, result.words);
    measurements.push({
      sample: `${name}.png`,
      rate: match.wordCharacterErrorRate ?? Number.NaN,
      ocrSeconds: result.durationMs / 1000,
      orientationSeconds,
    });

    expect(match.pairs.length).toBeGreaterThan(100);
    expect(match.wordCharacterErrorRate).not.toBeNull();
    expect(match.wordCharacterErrorRate).toBeLessThanOrEqual(limit);
  });
});
