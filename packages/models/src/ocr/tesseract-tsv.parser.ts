import type { OcrWord } from './ocr-engine';

/** Column count of a row of Tesseract's TSV output; the text is the last column. */
const TSV_COLUMNS = 12;
/** Value of the `level` column for a word row (1 page, 2 block, 3 paragraph, 4 line, 5 word). */
const WORD_LEVEL = '5';

export interface ParsedTesseractPage {
  /** Page text laid out as Tesseract's plain-text output lays it out. */
  text: string;
  words: OcrWord[];
}

/**
 * Turns the TSV output of the `tesseract` command into words with boxes and the page text.
 *
 * The text follows Tesseract's own text output, which tesseract.js returns as `text` too. The words
 * of a line are joined by spaces and each line ends with a newline. One more newline follows the
 * last line of each paragraph, so an empty line separates paragraphs and blocks. Words keep
 * Tesseract's reading order. Confidences are clamped to 0-100 because Tesseract writes -1 for
 * rows without a recognised word.
 */
export function parseTesseractTsv(tsv: string): ParsedTesseractPage {
  const words: OcrWord[] = [];
  const paragraphs: string[][][] = [];
  let paragraphKey = '';
  let lineKey = '';

  for (const row of tsv.split('\n')) {
    const fields = row.replace(/\r$/, '').split('\t');
    if (fields.length < TSV_COLUMNS || fields[0] !== WORD_LEVEL) {
      continue;
    }
    const [, page, block, paragraph, line, , left, top, width, height, confidence] = fields;
    const text = fields
      .slice(TSV_COLUMNS - 1)
      .join('\t')
      .trim();
    if (text === '') {
      continue;
    }

    const x0 = Number(left);
    const y0 = Number(top);
    words.push({
      text,
      confidence: clampConfidence(Number(confidence)),
      bbox: { x0, y0, x1: x0 + Number(width), y1: y0 + Number(height) },
    });

    const nextParagraph = `${page}.${block}.${paragraph}`;
    const nextLine = `${nextParagraph}.${line}`;
    if (nextParagraph !== paragraphKey) {
      paragraphs.push([]);
      paragraphKey = nextParagraph;
      lineKey = '';
    }
    const lines = paragraphs.at(-1)!;
    if (nextLine !== lineKey) {
      lines.push([]);
      lineKey = nextLine;
    }
    lines.at(-1)!.push(text);
  }

  const text = paragraphs.map((lines) => `${lines.map((line) => `${line.join(' ')}\n`).join('')}\n`).join('');

  return { text, words };
}

function clampConfidence(value: number): number {
  if (!Number.isFinite(value)) {
    return 0;
  }

  return Math.min(100, Math.max(0, value));
}
