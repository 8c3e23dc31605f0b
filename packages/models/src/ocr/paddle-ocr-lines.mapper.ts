import type { BoundingBox, OcrWord } from './ocr-engine';
import type { PaddleLine } from './paddle-ocr.protocol';

/** Size of the caller's image and the factor it was resized by before reading. */
export interface PageGeometry {
  /** Width and height of the image the caller sent. */
  width: number;
  height: number;
  /** Factor the image was resized by before reading (1 when it was not). */
  scale: number;
}

/**
 * Turns PaddleOCR's text lines into words with boxes in pixels of the caller's image, and the
 * page text with one line per PaddleOCR line. Lines come top to bottom and, within a line, left to
 * right, as `@gutenye/ocr-node` groups them.
 */
export function paddleLinesToPage(
  lines: readonly PaddleLine[],
  page: PageGeometry,
): { text: string; words: OcrWord[] } {
  const words: OcrWord[] = [];
  const texts: string[] = [];
  for (const line of lines) {
    const text = line.text.trim();
    const bbox = lineBox(line.box, page);
    if (text === '' || bbox === null) {
      continue;
    }
    texts.push(text.replace(/\s+/gu, ' '));
    words.push(...splitLineIntoWords(text, bbox, toConfidence(line.mean)));
  }

  return { text: texts.join('\n'), words };
}

/**
 * Returns the axis-aligned box around a line's four corners, scaled back to the caller's image and
 * clipped to it. Returns null when nothing of the line lies on the image.
 */
export function lineBox(corners: readonly (readonly number[])[], page: PageGeometry): BoundingBox | null {
  const xs = corners.map((corner) => (corner[0] ?? Number.NaN) / page.scale).filter(Number.isFinite);
  const ys = corners.map((corner) => (corner[1] ?? Number.NaN) / page.scale).filter(Number.isFinite);
  if (xs.length === 0 || ys.length === 0) {
    return null;
  }

  const x0 = Math.max(0, Math.floor(Math.min(...xs)));
  const y0 = Math.max(0, Math.floor(Math.min(...ys)));
  const x1 = Math.min(page.width, Math.ceil(Math.max(...xs)));
  const y1 = Math.min(page.height, Math.ceil(Math.max(...ys)));

  return x1 > x0 && y1 > y0 ? { x0, y0, x1, y1 } : null;
}

/**
 * Splits a line into its words, giving each a share of the line's width in proportion to its
 * position among the line's characters. PaddleOCR's recogniser reads a whole line image at once,
 * and `@gutenye/ocr-node` returns only the line's text, box and mean probability: there are no
 * character or word positions to read. Equal widths per character are exact for monospaced
 * text and off by a few characters' width at most in proportional fonts.
 *
 * NOTE: `@gutenye/ocr-node` joins the detected boxes that share a height into one line, across
 * columns too, so on a multi-column page the words after a column gap are placed too far left.
 */
export function splitLineIntoWords(text: string, bbox: BoundingBox, confidence: number): OcrWord[] {
  const characters = [...text];
  const width = bbox.x1 - bbox.x0;
  const words: OcrWord[] = [];
  let start = -1;
  for (let index = 0; index <= characters.length; index += 1) {
    const character = characters[index];
    const isSpace = character === undefined || /\s/u.test(character);
    if (!isSpace && start === -1) {
      start = index;
    }
    if (isSpace && start !== -1) {
      const wordText = characters.slice(start, index).join('');
      const x0 = bbox.x0 + Math.floor((width * start) / characters.length);
      const x1 = Math.max(x0 + 1, bbox.x0 + Math.ceil((width * index) / characters.length));
      words.push({ text: wordText, confidence, bbox: { x0, y0: bbox.y0, x1: Math.min(x1, bbox.x1), y1: bbox.y1 } });
      start = -1;
    }
  }

  return words;
}

/** PaddleOCR's mean character probability (0-1) as a confidence from 0 to 100. */
function toConfidence(mean: number): number {
  return Number.isFinite(mean) ? Math.min(100, Math.max(0, mean * 100)) : 0;
}
