/*
 * Test helper run as a child process by pdf-text-layer.ts: prints, as JSON, the text layer of
 * every page of a PDF as ingest stores it (words with boxes in pixels of the page rendered at the
 * given dpi, clipped to the page). It is an ES module because pdfjs-dist is ESM-only, and keeps
 * to erasable TypeScript so that Node.js 24 runs the source file directly.
 *
 *   node pdf-text-layer.child.mts FILE DPI [PASSWORD]
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

import { getDocument, VerbosityLevel } from 'pdfjs-dist/legacy/build/pdf.mjs';

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const [file, dpiArgument, password] = process.argv.slice(2);
const dpi = Number(dpiArgument);
if (file === undefined || !(dpi > 0)) {
  throw new Error('Usage: node pdf-text-layer.child.mts FILE DPI [PASSWORD]');
}

const pdfjsRoot = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
const task = getDocument({
  data: new Uint8Array(await readFile(file)),
  password,
  cMapUrl: `${pdfjsRoot}/cmaps/`,
  cMapPacked: true,
  standardFontDataUrl: `${pdfjsRoot}/standard_fonts/`,
  wasmUrl: `${pdfjsRoot}/wasm/`,
  useSystemFonts: false,
  disableFontFace: true,
  verbosity: VerbosityLevel.ERRORS,
});
const pdf = await task.promise;

const pages = [];
for (let number = 1; number <= pdf.numPages; number += 1) {
  const page = await pdf.getPage(number);
  const viewport = page.getViewport({ scale: dpi / 72 });
  const width = Math.max(1, Math.round(viewport.width));
  const height = Math.max(1, Math.round(viewport.height));
  const content = await page.getTextContent();
  const words: { text: string; bbox: Box }[] = [];
  for (const item of content.items) {
    if (!('str' in item)) {
      continue;
    }
    const style = content.styles[item.fontName];
    const ascent = Number.isFinite(style?.ascent) ? style!.ascent : 0.8;
    const descent = Number.isFinite(style?.descent) ? style!.descent : -0.2;
    for (const match of item.str.matchAll(/\S+/g)) {
      const start = match.index / item.str.length;
      const end = (match.index + match[0].length) / item.str.length;
      const bbox = clip(
        runBox(item.transform, item.width, item.height, start, end, ascent, descent, viewport.transform),
        width,
        height,
      );
      if (bbox !== null) {
        words.push({ text: match[0], bbox });
      }
    }
  }
  pages.push({ width, height, words });
  page.cleanup();
}
await task.destroy();
process.stdout.write(JSON.stringify(pages));

/** Box in pixels of the part of a text run between fractions `start` and `end` of its advance width. */
function runBox(
  transform: number[],
  runWidth: number,
  runHeight: number,
  start: number,
  end: number,
  ascent: number,
  descent: number,
  viewportTransform: number[],
): Box {
  const [a = 1, b = 0, c = 0, d = 1, e = 0, f = 0] = transform;
  const baseline = Math.hypot(a, b) || 1;
  const up = Math.hypot(c, d) || 1;
  const size = runHeight > 0 ? runHeight : up;
  const points = [
    [start * runWidth, descent * size],
    [end * runWidth, descent * size],
    [start * runWidth, ascent * size],
    [end * runWidth, ascent * size],
  ].map(([advance = 0, rise = 0]) => {
    const x = e + (a / baseline) * advance + (c / up) * rise;
    const y = f + (b / baseline) * advance + (d / up) * rise;
    const [va = 1, vb = 0, vc = 0, vd = 1, ve = 0, vf = 0] = viewportTransform;

    return [va * x + vc * y + ve, vb * x + vd * y + vf] as const;
  });
  const xs = points.map(([x]) => x);
  const ys = points.map(([, y]) => y);

  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

function clip(box: Box, width: number, height: number): Box | null {
  const x0 = Math.max(0, Math.floor(box.x0));
  const y0 = Math.max(0, Math.floor(box.y0));
  const x1 = Math.min(width, Math.ceil(box.x1));
  const y1 = Math.min(height, Math.ceil(box.y1));

  return x1 > x0 && y1 > y0 ? { x0, y0, x1, y1 } : null;
}
