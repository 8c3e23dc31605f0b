import type { PdfTextRun } from './pdf-render.protocol';
import type { PdfTextWord } from './raster.types';

// Used when a font gives no metrics; typical Latin proportions of the font size.
const DEFAULT_ASCENT = 0.8;
const DEFAULT_DESCENT = -0.2;

/**
 * Splits PDF text runs into words with axis-aligned boxes in image pixels.
 * Returns null when the page has no text.
 *
 * pdfjs reports one advance width per run, not per glyph, so a run's width
 * is shared among its characters in proportion to their count. In a
 * proportional font a word's box can therefore be shifted by a few characters'
 * widths. Runs that hold one word each, as OCR text layers usually do, keep
 * their exact extent.
 */
export function textRunsToWords(
  runs: readonly PdfTextRun[],
  viewportTransform: readonly number[],
  imageWidth: number,
  imageHeight: number,
): PdfTextWord[] | null {
  const words: PdfTextWord[] = [];

  for (const run of runs) {
    const characterCount = run.text.length;
    for (const match of run.text.matchAll(/\S+/g)) {
      const start = match.index / characterCount;
      const end = (match.index + match[0].length) / characterCount;
      const bbox = boxInPixels(run, start, end, viewportTransform);
      const clipped = clip(bbox, imageWidth, imageHeight);
      // Text outside the page's crop box is not on the image.
      if (clipped !== null) {
        words.push({ text: match[0], bbox: clipped });
      }
    }
  }

  return words.length > 0 ? words : null;
}

/** Box of the part of `run` between fractions `start` and `end` of its advance width. */
function boxInPixels(
  run: PdfTextRun,
  start: number,
  end: number,
  viewportTransform: readonly number[],
): PdfTextWord['bbox'] {
  const [a = 1, b = 0, c = 0, d = 1, e = 0, f = 0] = run.transform;
  const baselineLength = Math.hypot(a, b) || 1;
  const upLength = Math.hypot(c, d) || 1;
  // Unit vectors along the baseline and towards the top of the glyphs, in user space.
  const along = [a / baselineLength, b / baselineLength] as const;
  const up = [c / upLength, d / upLength] as const;
  const fontSize = run.height > 0 ? run.height : upLength;
  const top = finiteOr(run.ascent, DEFAULT_ASCENT) * fontSize;
  const bottom = finiteOr(run.descent, DEFAULT_DESCENT) * fontSize;

  const corners = [
    [start * run.width, bottom],
    [end * run.width, bottom],
    [start * run.width, top],
    [end * run.width, top],
  ].map(([advance = 0, rise = 0]) => {
    const x = e + along[0] * advance + up[0] * rise;
    const y = f + along[1] * advance + up[1] * rise;

    return toPixels(x, y, viewportTransform);
  });
  const xs = corners.map(([x]) => x);
  const ys = corners.map(([, y]) => y);

  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

function finiteOr(value: number | null, fallback: number): number {
  return value !== null && Number.isFinite(value) ? value : fallback;
}

function toPixels(x: number, y: number, transform: readonly number[]): [number, number] {
  const [a = 1, b = 0, c = 0, d = 1, e = 0, f = 0] = transform;

  return [a * x + c * y + e, b * x + d * y + f];
}

/** Rounds a box outwards to whole pixels inside the image; null when nothing of it is inside. */
function clip(bbox: PdfTextWord['bbox'], width: number, height: number): PdfTextWord['bbox'] | null {
  const x0 = Math.max(0, Math.floor(bbox.x0));
  const y0 = Math.max(0, Math.floor(bbox.y0));
  const x1 = Math.min(width, Math.ceil(bbox.x1));
  const y1 = Math.min(height, Math.ceil(bbox.y1));

  return x1 > x0 && y1 > y0 ? { x0, y0, x1, y1 } : null;
}
