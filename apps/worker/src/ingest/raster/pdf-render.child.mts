/*
 * PDF renderer, run as a child process by pdf-render.process.ts. It is an ES
 * module because pdfjs-dist is ESM-only, and it keeps to erasable TypeScript
 * syntax so that Node.js 24 can run the source file directly in tests. Running
 * in its own process lets the parent cap and kill the native memory of
 * @napi-rs/canvas and libvips, which a worker thread cannot.
 *
 * It reads one request at a time from the IPC channel and replies to each.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

import type { Canvas } from '@napi-rs/canvas';
import {
  getDocument,
  PasswordResponses,
  VerbosityLevel,
  type PDFDocumentProxy,
  type PDFPageProxy,
} from 'pdfjs-dist/legacy/build/pdf.mjs';
import sharp from 'sharp';

import type { PdfTextRun, RendererReply, RendererRequest } from './pdf-render.protocol.js';

interface CanvasEntry {
  canvas: Canvas;
  context: unknown;
}

interface CanvasFactory {
  create(width: number, height: number): CanvasEntry;
  destroy(entry: CanvasEntry): void;
}

interface OpenDocument {
  pdf: PDFDocumentProxy;
  dpi: number;
  maxPagePixels: number;
}

// pdfjs-dist 6.5 drops an embedded image over `maxImageSize` and only logs this warning.
// NOTE: matching log text breaks silently if pdfjs rewords it; pdf.rasterizer.spec.ts checks it on a real file.
const IMAGE_REMOVED_WARNING = 'Image exceeded maximum allowed size';

const pdfjsRoot = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));

let openDocument: OpenDocument | null = null;
let imageRemoved = false;

// pdfjs reports recoverable problems through console.warn. They go to stderr,
// which the parent keeps for error messages, and one of them marks a dropped image.
console.warn = (...parts: unknown[]): void => {
  const text = parts.map(String).join(' ');
  if (text.includes(IMAGE_REMOVED_WARNING)) {
    imageRemoved = true;
  }
  process.stderr.write(`${text}\n`);
};
console.log = console.warn;

process.on('message', (request: RendererRequest) => {
  handle(request).then(reply, (error: unknown) => {
    reply({ type: 'failed', code: 'render_failed', reason: reasonOf(error) });
  });
});

// The parent closed the channel or died: nothing is left to render for.
process.on('disconnect', () => {
  process.exit(0);
});

function reply(message: RendererReply): void {
  process.send?.(message);
}

async function handle(request: RendererRequest): Promise<RendererReply> {
  if (request.type === 'open') {
    return open(request.filePath, request.password, request.dpi, request.maxPagePixels);
  }
  if (openDocument === null) {
    return { type: 'failed', code: 'render_failed', reason: 'no document is open' };
  }

  return renderPage(openDocument, request.pageIndex);
}

async function open(
  filePath: string,
  password: string | null,
  dpi: number,
  maxPagePixels: number,
): Promise<RendererReply> {
  const data = new Uint8Array(await readFile(filePath));
  // Every resource pdfjs may need is a local folder of the package, so nothing is fetched over a network.
  const task = getDocument({
    data,
    password: password ?? undefined,
    cMapUrl: `${pdfjsRoot}/cmaps/`,
    cMapPacked: true,
    iccUrl: `${pdfjsRoot}/iccs/`,
    standardFontDataUrl: `${pdfjsRoot}/standard_fonts/`,
    // JBIG2 and JPEG 2000 decoders are WebAssembly; without them such scans render blank.
    wasmUrl: `${pdfjsRoot}/wasm/`,
    useSystemFonts: false,
    disableFontFace: true,
    useWorkerFetch: false,
    enableXfa: false,
    maxImageSize: maxPagePixels,
    verbosity: VerbosityLevel.WARNINGS,
  });

  try {
    const pdf = await task.promise;
    openDocument = { pdf, dpi, maxPagePixels };

    return { type: 'opened', pageCount: pdf.numPages };
  } catch (error) {
    await task.destroy();

    return openFailure(error);
  }
}

function openFailure(error: unknown): RendererReply {
  const name = error instanceof Error ? error.name : '';
  const code = (error as { code?: unknown } | null)?.code;
  if (name === 'PasswordException' && code === PasswordResponses.NEED_PASSWORD) {
    return { type: 'failed', code: 'password_required', reason: reasonOf(error) };
  }
  if (name === 'PasswordException' && code === PasswordResponses.INCORRECT_PASSWORD) {
    return { type: 'failed', code: 'password_incorrect', reason: reasonOf(error) };
  }

  // Whatever else stops pdfjs from opening the file, the file is not a PDF that it can read.
  return { type: 'failed', code: 'invalid_pdf', reason: reasonOf(error) };
}

async function renderPage(document: OpenDocument, pageIndex: number): Promise<RendererReply> {
  const page = await document.pdf.getPage(pageIndex + 1);
  const viewport = page.getViewport({ scale: document.dpi / 72 });
  const width = Math.max(1, Math.round(viewport.width));
  const height = Math.max(1, Math.round(viewport.height));
  if (width * height > document.maxPagePixels) {
    return { type: 'page-too-large', pageIndex, width, height };
  }

  const canvasFactory = document.pdf.canvasFactory as CanvasFactory;
  const canvasEntry = canvasFactory.create(width, height);
  try {
    imageRemoved = false;
    // The print intent leaves out annotations flagged as screen-only, as paper would.
    await page.render({ canvas: canvasEntry.canvas as never, viewport, intent: 'print' }).promise;
    if (imageRemoved) {
      return { type: 'image-too-large', pageIndex };
    }

    const png = await encodePng(canvasEntry.canvas.data(), width, height, document.dpi);
    const textRuns = await readTextRuns(page);

    return { type: 'page', pageIndex, png, width, height, viewportTransform: viewport.transform, textRuns };
  } finally {
    canvasFactory.destroy(canvasEntry);
    page.cleanup();
  }
}

/**
 * Encodes the canvas pixels as an 8-bit PNG: grayscale when every pixel is gray,
 * RGB otherwise. pdfjs paints an opaque white background, so alpha carries nothing.
 */
async function encodePng(rgba: Buffer, width: number, height: number, dpi: number): Promise<Buffer> {
  // The page size was checked against maxPagePixels before rendering.
  const image = sharp(rgba, { raw: { width, height, channels: 4 }, limitInputPixels: false });
  const pipeline = isAllGray(rgba)
    ? image.extractChannel(0).toColourspace('b-w')
    : image.removeAlpha().toColourspace('srgb');

  // The resolution goes into the PNG so OCR engines need not guess it from the text size.
  return pipeline.withDensity(dpi).png().toBuffer();
}

function isAllGray(rgba: Buffer): boolean {
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i] !== rgba[i + 1] || rgba[i] !== rgba[i + 2]) {
      return false;
    }
  }

  return true;
}

async function readTextRuns(page: PDFPageProxy): Promise<PdfTextRun[]> {
  const content = await page.getTextContent();
  const runs: PdfTextRun[] = [];

  for (const item of content.items) {
    if (!('str' in item) || item.str.trim() === '') {
      continue;
    }
    const style = content.styles[item.fontName];
    runs.push({
      text: item.str,
      transform: item.transform as number[],
      width: item.width,
      height: item.height,
      // Fonts without metrics report NaN here.
      ascent: Number.isFinite(style?.ascent) ? style!.ascent : null,
      descent: Number.isFinite(style?.descent) ? style!.descent : null,
    });
  }

  return runs;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
