import { performance } from 'node:perf_hooks';
import { TEXT_LAYER_ENGINE } from '@quire/contracts';
import type { BoundingBox, OcrResult, OcrWord } from './ocr-engine';

/** One word of a PDF page's own text layer, as ingest stores it in `Page.textLayer`. */
export interface TextLayerWord {
  text: string;
  /** Box in pixels of the upright page image. */
  bbox: BoundingBox;
}

export type TextLayerAssessment = { usable: true } | { usable: false; reason: string };

/**
 * Limits for `assessTextLayer`, chosen on the shared samples. The real OCR layer of the 1865
 * newspaper page (7059 words) has 91.8 % letters and digits among its non-space characters and no
 * replacement, private-use or control character; the born-digital LibreOffice page (100 words)
 * has 97.2 %; the chart labels on page 4 of the mixed PDF (21 words) have 84.4 %. English prose
 * sits near 95 %. Text drawn with a font that lacks a Unicode map comes out as U+FFFD,
 * private-use code points or control characters, or as runs of symbols.
 */
export const TEXT_LAYER_LIMITS = {
  /**
   * Fewer words than this are taken for a stub, such as a scanner's stamp or a page number over a
   * scanned page. Rejecting a genuinely short page costs one OCR pass, which reads it as well,
   * while accepting a stub would lose the page's text.
   */
  minWords: 10,
  /** Largest share of replacement, private-use and control characters among non-space characters. */
  maxBrokenCharacterShare: 0.01,
  /** Smallest share of letters and digits among non-space characters, well below the 84-97 % measured. */
  minLetterOrDigitShare: 0.6,
  /** Largest share of words whose box centre lies off the page or whose box has no area. */
  maxOffPageShare: 0.5,
} as const;

/** U+FFFD, private-use code points (BMP and planes 15-16) and control characters other than whitespace. */
const BROKEN_CHARACTER = /[\uFFFD\p{Co}\p{Cc}]/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** Decides whether a page's text layer can replace OCR, and returns the reason when it cannot. */
export function assessTextLayer(
  words: readonly TextLayerWord[],
  page: { width: number; height: number },
): TextLayerAssessment {
  const withText = words.filter((word) => word.text.trim() !== '');
  if (withText.length < TEXT_LAYER_LIMITS.minWords) {
    return {
      usable: false,
      reason: `the text layer has ${withText.length} word(s), fewer than ${TEXT_LAYER_LIMITS.minWords}`,
    };
  }

  const characters = [...withText.map((word) => word.text).join('')].filter((character) => !/\s/u.test(character));
  const broken = characters.filter((character) => BROKEN_CHARACTER.test(character)).length / characters.length;
  if (broken > TEXT_LAYER_LIMITS.maxBrokenCharacterShare) {
    return {
      usable: false,
      reason:
        `${percent(broken)} of its characters are replacement, private-use or control characters ` +
        `(limit ${percent(TEXT_LAYER_LIMITS.maxBrokenCharacterShare)}), a sign of fonts without a Unicode map`,
    };
  }
  const letters = characters.filter((character) => LETTER_OR_DIGIT.test(character)).length / characters.length;
  if (letters < TEXT_LAYER_LIMITS.minLetterOrDigitShare) {
    return {
      usable: false,
      reason:
        `only ${percent(letters)} of its characters are letters or digits ` +
        `(at least ${percent(TEXT_LAYER_LIMITS.minLetterOrDigitShare)} expected)`,
    };
  }

  const offPage = withText.filter((word) => !isOnPage(word.bbox, page)).length / withText.length;
  if (offPage > TEXT_LAYER_LIMITS.maxOffPageShare) {
    return {
      usable: false,
      reason:
        `${percent(offPage)} of its word boxes lie off the ${page.width}x${page.height} page or have no area ` +
        `(limit ${percent(TEXT_LAYER_LIMITS.maxOffPageShare)})`,
    };
  }

  return { usable: true };
}

/**
 * Turns a page's text layer into an OCR result: every word with confidence 100 and the text in
 * reading order. Words are grouped into lines by vertical overlap, lines go from top to bottom and
 * the words of a line from left to right.
 *
 * NOTE: words of neighbouring columns that share a height join one line, so the text of a
 * multi-column page interleaves its columns. The words and their boxes are still right.
 */
export function textLayerToOcrResult(words: readonly TextLayerWord[], languages: readonly string[]): OcrResult {
  const started = performance.now();
  const lines = groupIntoLines(words.filter((word) => word.text.trim() !== ''));
  const ordered: OcrWord[] = lines.flatMap((line) =>
    line.map((word) => ({ text: word.text.trim(), confidence: 100, bbox: { ...word.bbox } })),
  );

  return {
    text: lines.map((line) => line.map((word) => word.text.trim()).join(' ')).join('\n'),
    words: ordered,
    meanConfidence: ordered.length === 0 ? null : 100,
    engine: TEXT_LAYER_ENGINE,
    languages: [...languages],
    usage: { pages: 1 },
    durationMs: performance.now() - started,
  };
}

interface Line {
  top: number;
  bottom: number;
  /** Height of the line's first word, which stands for its text size. */
  wordHeight: number;
  /** Vertical centre of the line's first word; lines are created in the order of this value. */
  centre: number;
  words: TextLayerWord[];
}

/**
 * Groups words into lines and returns the lines from top to bottom, each from left to right.
 *
 * Words are taken in the order of their vertical centre. A word joins the most recent line whose
 * band (the union of its boxes) it overlaps by at least half the larger of its own height and the
 * line's text size. Otherwise it starts a line. Measuring against the larger height keeps small
 * words beside a tall heading out of the heading's line, and measuring against the whole band
 * keeps a line that drifts down across a skewed scan together.
 */
export function groupIntoLines(words: readonly TextLayerWord[]): TextLayerWord[][] {
  const byCentre = [...words].sort((a, b) => centreOf(a.bbox) - centreOf(b.bbox) || a.bbox.x0 - b.bbox.x0);
  const lines: Line[] = [];
  let tallest = 0;
  for (const word of byCentre) {
    const height = Math.max(1, word.bbox.y1 - word.bbox.y0);
    tallest = Math.max(tallest, height);
    const line = findLine(lines, word.bbox, height, centreOf(word.bbox) - 2 * tallest);
    if (line === undefined) {
      lines.push({
        top: word.bbox.y0,
        bottom: word.bbox.y1,
        wordHeight: height,
        centre: centreOf(word.bbox),
        words: [word],
      });
      continue;
    }
    line.words.push(word);
    line.top = Math.min(line.top, word.bbox.y0);
    line.bottom = Math.max(line.bottom, word.bbox.y1);
  }

  return lines
    .sort((a, b) => a.top - b.top || a.centre - b.centre)
    .map((line) => line.words.sort((a, b) => a.bbox.x0 - b.bbox.x0));
}

/** Looks back through lines whose first word is centred below `lowestCentre` for one the word fits. */
function findLine(lines: readonly Line[], box: BoundingBox, height: number, lowestCentre: number): Line | undefined {
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    const line = lines[index]!;
    if (line.centre < lowestCentre) {
      return undefined;
    }
    const overlap = Math.min(line.bottom, box.y1) - Math.max(line.top, box.y0);
    if (overlap >= Math.max(height, line.wordHeight) / 2) {
      return line;
    }
  }

  return undefined;
}

function centreOf(box: BoundingBox): number {
  return (box.y0 + box.y1) / 2;
}

function isOnPage(box: BoundingBox, page: { width: number; height: number }): boolean {
  const centreX = (box.x0 + box.x1) / 2;
  const centreY = (box.y0 + box.y1) / 2;

  return (
    box.x1 > box.x0 &&
    box.y1 > box.y0 &&
    centreX >= 0 &&
    centreX <= page.width &&
    centreY >= 0 &&
    centreY <= page.height
  );
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}
