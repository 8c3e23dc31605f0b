import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { BoundingBox } from '../ocr/ocr-engine';

export interface SampleTextLayerPage {
  /** Size of the page rendered at the requested dpi, in pixels. */
  width: number;
  height: number;
  words: { text: string; bbox: BoundingBox }[];
}

/**
 * Reads the text layer of every page of a PDF the way ingest stores `Page.textLayer`: words with
 * boxes in pixels of the page rendered at `dpi`. pdfjs-dist is ESM-only, so a child process reads it.
 */
export function readPdfTextLayer(
  file: string,
  options: { dpi?: number; password?: string } = {},
): SampleTextLayerPage[] {
  const child = path.join(__dirname, 'pdf-text-layer.child.mts');
  const args = [child, file, String(options.dpi ?? 200), ...(options.password === undefined ? [] : [options.password])];
  const output = execFileSync(process.execPath, args, {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  return JSON.parse(output) as SampleTextLayerPage[];
}
