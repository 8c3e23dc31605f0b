// Measures the OCR engine and the orientation detector on the shared sample pages: character
// error rate and seconds per page for page segmentation modes 3 and 6, then the orientation
// detector's answers and confidences for every sample page turned 0, 90, 180 and 270 degrees.
//
//   npm run build -w @quire/models && node packages/models/scripts/measure-ocr.mts
//
// Node.js 24 runs this file by stripping its types; it imports the built package from dist/.
// Seconds per page depend on the machine and on whatever else runs on it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import models from '../dist/index.js';

const samples = path.resolve(import.meta.dirname, '..', '..', '..', '..', 'shared', 'samples');
const RUNS = 4;

interface Case {
  image: string;
  languages: string[];
  /** Plain-text ground truth, scored by page CER. */
  text?: string;
  /** FUNSD JSON ground truth, scored by word boxes. */
  funsd?: string;
}

const phototest = (file: string): Case => ({
  image: `rotated_phototest_90_180_270/${file}`,
  languages: ['eng'],
  text: 'rotated_phototest_90_180_270/phototest.gold.txt',
});

const cases: Case[] = [
  phototest('phototest.tif'),
  phototest('phototest-rotated-L.png'),
  phototest('phototest-rotated-R.png'),
  phototest('phototest-rotated-180.png'),
  {
    image: 'multilingual_eurotext/eurotext.tif',
    languages: ['eng', 'deu', 'fra', 'ita', 'spa', 'por'],
    text: 'multilingual_eurotext/eurotext.txt',
  },
  {
    image: 'form_funsd_fax_cover_82092117/82092117.png',
    languages: ['eng'],
    funsd: 'form_funsd_fax_cover_82092117/82092117.json',
  },
  {
    image: 'form_funsd_table_form_82200067/82200067_0069.png',
    languages: ['eng'],
    funsd: 'form_funsd_table_form_82200067/82200067_0069.json',
  },
  { image: 'brochure_linn_two_column/linn.png', languages: ['eng'], text: 'brochure_linn_two_column/linn.txt' },
  {
    image: 'magazine_unlv_8087_054/8087_054.3B.tif',
    languages: ['eng'],
    text: 'magazine_unlv_8087_054/8087_054.3B.txt',
  },
];

const orientationPages = [
  'rotated_phototest_90_180_270/phototest.tif',
  'multilingual_eurotext/eurotext.tif',
  'form_funsd_fax_cover_82092117/82092117.png',
  'form_funsd_table_form_82200067/82200067_0069.png',
  'brochure_linn_two_column/linn.png',
  'magazine_unlv_8087_054/8087_054.3B.tif',
  'receipt_sroie_lowres_019/019.jpg',
  'receipt_sroie_tax_invoice_494/494.jpg',
  'typewritten_recipe_dutch/typewriter.png',
  'historical_text_lines_dta_19c/heine_lieder_1827_0130_002.tif',
  'multipage_tiff_ccitt_g4_3pages/ccittg4multi.tif',
];

function read(file: string): Buffer {
  return readFileSync(path.join(samples, file));
}

function score(item: Case, result: { text: string; words: unknown[] }): number {
  if (item.text !== undefined) {
    return models.characterErrorRate(read(item.text).toString('utf8'), result.text);
  }

  const form = JSON.parse(read(item.funsd ?? '').toString('utf8')) as {
    form: { words: { text: string; box: [number, number, number, number] }[] }[];
  };
  const reference = form.form.flatMap((entity) =>
    entity.words.map(({ text, box: [x0, y0, x1, y1] }) => ({ text, bbox: { x0, y0, x1, y1 } })),
  );

  return models.matchWordsByBox(reference, result.words).wordCharacterErrorRate ?? Number.NaN;
}

const detector = new models.TesseractOrientationDetector();

for (const mode of ['3', '6'] as const) {
  const engine = new models.TesseractJsEngine({ pageSegmentationMode: mode });
  console.log(
    `\npsm ${mode}: CER, then seconds per page (median of ${RUNS - 1} runs after one that starts the worker)`,
  );
  for (const item of cases) {
    const image = read(item.image);
    const { rotation } = await detector.detect(image);
    const upright = rotation === 0 ? image : await sharp(image).rotate(rotation).png().toBuffer();
    const durations: number[] = [];
    let rate = Number.NaN;
    for (let run = 0; run < RUNS; run += 1) {
      const result = await engine.recognize(upright, { languages: item.languages });
      durations.push(result.durationMs / 1000);
      rate = score(item, result);
    }
    const steady = durations.slice(1).sort((a, b) => a - b);
    const median = steady[Math.floor(steady.length / 2)] ?? Number.NaN;
    console.log(`${item.image.padEnd(52)} ${(rate * 100).toFixed(2).padStart(7)} %  ${median.toFixed(2)} s`);
  }
  await engine.close();
}

// minConfidence 0 shows every answer Tesseract gives, so the default limit can be checked.
const calibration = new models.TesseractOrientationDetector({ minConfidence: 0 });
console.log('\norientation: turned clockwise by 0/90/180/270 -> rotation @ confidence (x = wrong, - = undetected)');
for (const file of orientationPages) {
  const upright = await sharp(read(file)).png().toBuffer();
  const cells: string[] = [];
  for (const turn of [0, 90, 180, 270]) {
    const image = turn === 0 ? upright : await sharp(upright).rotate(turn).png().toBuffer();
    const started = performance.now();
    const detection = await calibration.detect(image);
    const seconds = (performance.now() - started) / 1000;
    const wrong = detection.detected && detection.rotation !== (360 - turn) % 360 ? 'x' : '';
    const answer = detection.detected ? String(detection.rotation) : '-';
    cells.push(`${turn}->${answer}${wrong}@${detection.confidence?.toFixed(2) ?? 'null'} (${seconds.toFixed(2)} s)`);
  }
  console.log(`${file.padEnd(62)} ${cells.join('  ')}`);
}

await Promise.all([detector.close(), calibration.close()]);
