import { createWorker, OEM } from 'tesseract.js';
import type Tesseract from 'tesseract.js';
import { OcrError } from './ocr-engine';
import { QUIET_PARAMETERS } from './tesseract-js.engine';
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
  /** Tesseract's orientation confidence (0 or more, larger is surer), or null when Tesseract could not decide. */
  confidence: number | null;
  /**
   * False when Tesseract could not decide (for example on a page with too few characters) or its
   * confidence is below `minConfidence`. The rotation is then 0.
   */
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
  /**
   * Confidence below which a detected rotation is not trusted (default 2). Measured with
   * tesseract.js 7.0.0 and `scripts/measure-ocr.mts` on eleven sample pages, each turned 0, 90,
   * 180 and 270 degrees: the four wrong rotations, all on the two 72 dpi FUNSD forms, had
   * confidences of 0.34 or less. The 31 correct ones ranged from 0.17 to 34.5, and 4 were below 1.
   * A later pipeline run turned an upright chart page (page 3 of the sample multipage.pdf) by 180
   * degrees at 1.03, while every page the samples really need turned scored 9 or more. Most scans
   * are upright, so a turn needs the stronger evidence.
   */
  minConfidence?: number;
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
  private readonly minConfidence: number;

  constructor(options: TesseractOrientationDetectorOptions = {}) {
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 60_000;
    this.minConfidence = options.minConfidence ?? 2;
    this.pool = new TesseractWorkerPool({
      size: options.concurrency ?? 1,
      createWorker: () => createOrientationWorker(),
    });
  }

  /**
   * Detects how far the page must turn clockwise to be upright. Pages where Tesseract finds too
   * little text to decide, or decides with a confidence below `minConfidence`, come back as
   * `{ rotation: 0, detected: false }`. An image Tesseract cannot read throws an `OcrError` with
   * code `engine_failed`.
   *
   * NOTE: Tesseract applies the EXIF orientation tag before detecting, so drop the tag first
   * (`sharp(image).rotate()` with no angle) for `rotation` to apply to the stored pixels.
   */
  async detect(image: Buffer, options: DetectOptions = {}): Promise<OrientationResult> {
    if (image.length === 0) {
      throw new OcrError(
        'engine_failed',
        'The image for orientation detection is empty (0 bytes); send the encoded page image.',
      );
    }

    const detection = await this.pool.run(POOL_KEY, async (worker) => (await worker.detect(image)).data, {
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? this.defaultTimeoutMs,
      action: 'orientation detection',
    });

    return toOrientationResult(detection, this.minConfidence);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** Maps tesseract.js's detection data, whose fields are all null when Tesseract could not decide. */
export function toOrientationResult(detection: Tesseract.DetectData, minConfidence: number): OrientationResult {
  const degrees = detection.orientation_degrees;
  const confidence = detection.orientation_confidence;
  if (degrees !== 0 && degrees !== 90 && degrees !== 180 && degrees !== 270) {
    return { rotation: 0, confidence: null, detected: false };
  }
  if (confidence === null || confidence < minConfidence) {
    return { rotation: 0, confidence, detected: false };
  }

  // tesseract.js maps Tesseract's orientation id to [0, 270, 180, 90], the table of Tesseract's
  // OrientationIdToValue, which its source documents as the clockwise rotation that makes the
  // text upright. The detector spec checks this with sharp on pages turned left, right and 180°.
  return { rotation: degrees, confidence, detected: true };
}

async function createOrientationWorker(): Promise<Tesseract.Worker> {
  const langPath = resolveLanguageDataFolder('osd');
  if (langPath === null) {
    throw new Error('Orientation data is not installed; install the @tesseract.js-data/osd package.');
  }

  const worker = await createWorker('osd', OEM.TESSERACT_ONLY, {
    ...TESSERACT_LOCAL_PATHS,
    langPath,
    cacheMethod: 'none',
    gzip: true,
    legacyCore: true,
    legacyLang: true,
    errorHandler: () => undefined,
  });
  await worker.setParameters(QUIET_PARAMETERS);

  return worker;
}
