import { createWorker, OEM } from 'tesseract.js';
import type Tesseract from 'tesseract.js';
import { OcrError } from './ocr-engine';
import { resolveLanguageDataFolder } from './tesseract-language-data.resolver';
import { TESSERACT_LOCAL_PATHS, TesseractWorkerPool } from './tesseract-worker.pool';

export type PageRotation = 0 | 90 | 180 | 270;

export interface OrientationResult {
  /**
   * Clockwise rotation in degrees that turns the image upright: a page that was turned 90° to the
   * left comes back as 90, and `sharp(image).rotate(rotation)` (sharp rotates clockwise) makes it
   * upright.
   */
  rotation: PageRotation;
  /** Tesseract's orientation confidence (unbounded, larger is surer), or null when not detected. */
  confidence: number | null;
  /** False when Tesseract could not decide, for example on a page with too few characters. */
  detected: boolean;
}

export interface DetectOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface TesseractOrientationDetectorOptions {
  /** Number of workers, and so of pages checked in parallel (default 1). */
  concurrency?: number;
  /** Time limit for a call that sets no `timeoutMs` (default 60000 ms). */
  defaultTimeoutMs?: number;
}

const POOL_KEY = 'osd';

/**
 * Page orientation detection with Tesseract's OSD model (`@tesseract.js-data/osd`). Tesseract
 * runs OSD only on its legacy engine, so these workers load the legacy core, unlike the LSTM-only
 * workers that read text.
 */
export class TesseractOrientationDetector {
  private readonly pool: TesseractWorkerPool;
  private readonly defaultTimeoutMs: number;

  constructor(options: TesseractOrientationDetectorOptions = {}) {
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 60_000;
    this.pool = new TesseractWorkerPool({
      size: options.concurrency ?? 1,
      createWorker: () => createOrientationWorker(),
    });
  }

  /**
   * Detects how far the page must turn clockwise to be upright. Pages where Tesseract finds too
   * little text to decide come back as `{ rotation: 0, detected: false }`; an image Tesseract
   * cannot read throws an `OcrError` with code `engine_failed`.
   */
  async detect(image: Buffer, options: DetectOptions = {}): Promise<OrientationResult> {
    if (image.length === 0) {
      throw new OcrError('engine_failed', 'The image for orientation detection is empty (0 bytes); send the encoded page image.');
    }

    const detection = await this.pool.run(
      POOL_KEY,
      async (worker) => (await worker.detect(image)).data,
      { signal: options.signal, timeoutMs: options.timeoutMs ?? this.defaultTimeoutMs, action: 'orientation detection' },
    );

    return toOrientationResult(detection);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** Maps tesseract.js's detection data, whose fields are all null when Tesseract could not decide. */
export function toOrientationResult(detection: Tesseract.DetectData): OrientationResult {
  const degrees = detection.orientation_degrees;
  if (degrees !== 0 && degrees !== 90 && degrees !== 180 && degrees !== 270) {
    return { rotation: 0, confidence: null, detected: false };
  }

  // tesseract.js maps Tesseract's orientation id to [0, 270, 180, 90], the table of Tesseract's
  // OrientationIdToValue, which its source documents as the clockwise rotation that makes the
  // text upright. The detector spec checks this with sharp on pages turned left, right and 180°.
  return { rotation: degrees, confidence: detection.orientation_confidence, detected: true };
}

async function createOrientationWorker(): Promise<Tesseract.Worker> {
  const langPath = resolveLanguageDataFolder('osd');
  if (langPath === null) {
    throw new Error('Orientation data is not installed; install the @tesseract.js-data/osd package.');
  }

  return createWorker('osd', OEM.TESSERACT_ONLY, {
    ...TESSERACT_LOCAL_PATHS,
    langPath,
    cacheMethod: 'none',
    gzip: true,
    legacyCore: true,
    legacyLang: true,
    errorHandler: () => undefined,
  });
}
