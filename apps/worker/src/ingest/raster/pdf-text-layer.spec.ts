import type { PdfTextRun } from './pdf-render.protocol';
import { textRunsToWords } from './pdf-text-layer';

// What pdfjs returns for a US Letter page (612 x 792 pt) at 200 dpi: scale 200/72, y axis flipped.
const SCALE = 200 / 72;
const LETTER_AT_200_DPI = [SCALE, 0, 0, -SCALE, 0, 792 * SCALE];
const WIDTH = 1700;
const HEIGHT = 2200;

function run(overrides: Partial<PdfTextRun>): PdfTextRun {
  return {
    text: 'word',
    transform: [10, 0, 0, 10, 72, 720],
    width: 40,
    height: 10,
    ascent: 0.75,
    descent: -0.25,
    ...overrides,
  };
}

describe('textRunsToWords', () => {
  it('maps a one-word run to image pixels', () => {
    const words = textRunsToWords([run({})], LETTER_AT_200_DPI, WIDTH, HEIGHT);

    // Baseline at y = 720 pt is 72 pt below the top: 200 px. Ascent 7.5 pt, descent 2.5 pt.
    expect(words).toEqual([{ text: 'word', bbox: { x0: 200, y0: 179, x1: 312, y1: 207 } }]);
  });

  it('splits a run into words by character share', () => {
    const words = textRunsToWords([run({ text: 'ab  cd', width: 60 })], LETTER_AT_200_DPI, WIDTH, HEIGHT);

    expect(words?.map((word) => word.text)).toEqual(['ab', 'cd']);
    // Characters are 10 pt each: "ab" spans 0-20 pt, "cd" 40-60 pt from x = 72 pt.
    expect(words?.[0]?.bbox.x0).toBe(200);
    expect(words?.[0]?.bbox.x1).toBe(256);
    expect(words?.[1]?.bbox.x0).toBe(311);
    expect(words?.[1]?.bbox.x1).toBe(367);
  });

  it('boxes text turned 90 degrees', () => {
    // Baseline pointing up the page, as on a landscape table printed sideways.
    const words = textRunsToWords([run({ transform: [0, 10, -10, 0, 300, 100] })], LETTER_AT_200_DPI, WIDTH, HEIGHT);
    const bbox = words?.[0]?.bbox;

    // 40 pt along the baseline is 111.1 px of height and 10 pt of font size 27.8 px of width, before rounding outwards.
    expect(bbox!.y1 - bbox!.y0).toBe(112);
    expect(bbox!.x1 - bbox!.x0).toBe(29);
  });

  it('uses default metrics when the font has none', () => {
    const words = textRunsToWords([run({ ascent: null, descent: Number.NaN })], LETTER_AT_200_DPI, WIDTH, HEIGHT);

    // Ascent 0.8 and descent 0.2 of 10 pt.
    expect(words?.[0]?.bbox).toEqual({ x0: 200, y0: 177, x1: 312, y1: 206 });
  });

  it('drops words outside the page and clips the rest', () => {
    const outside = run({ text: 'gone', transform: [10, 0, 0, 10, 700, 720] });
    const partly = run({ text: 'edge', transform: [10, 0, 0, 10, 600, 720] });

    const words = textRunsToWords([outside, partly], LETTER_AT_200_DPI, WIDTH, HEIGHT);

    expect(words?.map((word) => word.text)).toEqual(['edge']);
    expect(words?.[0]?.bbox.x1).toBe(WIDTH);
  });

  it('returns null without words', () => {
    expect(textRunsToWords([], LETTER_AT_200_DPI, WIDTH, HEIGHT)).toBeNull();
    expect(textRunsToWords([run({ text: '   ' })], LETTER_AT_200_DPI, WIDTH, HEIGHT)).toBeNull();
  });
});
