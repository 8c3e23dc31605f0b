import { performance } from 'node:perf_hooks';
import { createWorker, OEM, PSM } from 'tesseract.js';
import type Tesseract from 'tesseract.js';
import { OcrError, type OcrEngine, type OcrOptions, type OcrResult, type OcrWord } from './ocr-engine';
import {
  CombinedLanguageFolder,
  listInstalledLanguageData,
  resolveLanguageDataFolder,
} from './tesseract-language-data.resolver';
import { TESSERACT_LOCAL_PATHS, TesseractWorkerPool, type WorkerPoolStats } from './tesseract-worker.pool';

/** Tesseract page segmentation modes this engine accepts. */
export type PageSegmentationMode = typeof PSM.AUTO | typeof PSM.SINGLE_BLOCK;

export interface TesseractJsEngineOptions {
  /** Number of workers, and so of pages read in parallel (default 1). Each worker uses one CPU core while it reads. */
  concurrency?: number;
  /**
   * Page segmentation mode, by default `PSM.AUTO` (psm 3). Measured with tesseract.js 7.0.0, the
   * `4.0.0_best_int` English model and `scripts/measure-ocr.mts`, psm 3 and psm 6 (one uniform
   * block of text) read the phototest and eurotext pages equally well. psm 6 runs the columns of a
   * page together, though: character error rate 38.0 % against 0.98 % with psm 3 on a two-column
   * brochure, 76.3 % against 7.6 % on a magazine page. On the two FUNSD forms (72 dpi scans) psm 3
   * also scored better by word boxes, 34.6 % against 51.8 % and 56.7 % against 58.7 %. psm 6 may
   * still suit single-block pages where psm 3 skips lines it takes for pictures.
   */
  pageSegmentationMode?: PageSegmentationMode;
  /** Time limit for a call that sets no `timeoutMs` (default 120000 ms). */
  defaultTimeoutMs?: number;
}

/**
 * OCR engine on tesseract.js 7 with the LSTM models of the `@tesseract.js-data/<code>` packages.
 * It runs offline: models, worker script and WebAssembly core all come from installed packages,
 * and nothing is cached to disk (`cacheMethod: 'none'`).
 */
export class TesseractJsEngine implements OcrEngine {
  readonly name = 'tesseract.js';

  private readonly pool: TesseractWorkerPool;
  private readonly combinedFolder = new CombinedLanguageFolder();
  private readonly pageSegmentationMode: PageSegmentationMode;
  private readonly defaultTimeoutMs: number;
  private installed: string[] | null = null;

  constructor(options: TesseractJsEngineOptions = {}) {
    this.pageSegmentationMode = options.pageSegmentationMode ?? PSM.AUTO;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 120_000;
    this.pool = new TesseractWorkerPool({
      size: options.concurrency ?? 1,
      createWorker: (key) => this.createLanguageWorker(key.split('+')),
    });
  }

  /** Lists the recognition languages whose data package resolves; `osd` is left out. */
  installedLanguages(): string[] {
    this.installed ??= listInstalledLanguageData().filter((code) => code !== 'osd');

    return [...this.installed];
  }

  /**
   * Reads one encoded page image (PNG, JPEG, TIFF, BMP and the other formats Leptonica decodes).
   * Pass one page per call, so split a multipage TIFF first, for example with sharp's `page` option.
   *
   * NOTE: tesseract.js applies the EXIF orientation tag before reading, so the boxes of an image
   * whose tag is not 1 refer to the turned image. `sharp(image).rotate()` with no angle turns the pixels and drops the tag.
   */
  async recognize(image: Buffer, options: OcrOptions): Promise<OcrResult> {
    const languages = this.checkLanguages(options.languages);
    if (image.length === 0) {
      throw new OcrError('engine_failed', 'The image to recognize is empty (0 bytes); send the encoded page image.');
    }

    const started = performance.now();
    const page = await this.pool.run(
      languages.join('+'),
      async (worker) => (await worker.recognize(image, {}, { text: true, blocks: true })).data,
      { signal: options.signal, timeoutMs: options.timeoutMs ?? this.defaultTimeoutMs, action: 'recognition' },
    );
    const words = collectWords(page);

    return {
      text: page.text,
      words,
      meanConfidence: words.length === 0 ? null : words.reduce((sum, word) => sum + word.confidence, 0) / words.length,
      engine: this.name,
      languages,
      usage: { pages: 1 },
      durationMs: performance.now() - started,
    };
  }

  /** Worker counts, for metrics and tests. */
  poolStats(): WorkerPoolStats {
    return this.pool.stats();
  }

  async close(): Promise<void> {
    await this.pool.close();
    await this.combinedFolder.remove();
  }

  /** Returns the requested languages without duplicates, or throws naming a missing one. */
  private checkLanguages(requested: readonly string[]): string[] {
    const installed = this.installedLanguages();
    if (requested.length === 0) {
      throw new OcrError(
        'language_not_installed',
        `No OCR language was requested; pass one or more of: ${installed.join(', ')}.`,
      );
    }

    const languages = [...new Set(requested)];
    for (const language of languages) {
      if (!installed.includes(language)) {
        throw new OcrError(
          'language_not_installed',
          `OCR language "${language}" is not installed; installed languages: ${installed.join(', ')}. ` +
            `Install the @tesseract.js-data/${language} package or request an installed language.`,
        );
      }
    }

    return languages;
  }

  private async createLanguageWorker(languages: string[]): Promise<Tesseract.Worker> {
    // A single language is read straight from its package; several need one shared folder.
    const single = languages.length === 1 ? resolveLanguageDataFolder(languages[0] ?? '') : null;
    const langPath = single ?? (await this.combinedFolder.prepare(languages));

    const worker = await createWorker(languages, OEM.LSTM_ONLY, {
      ...TESSERACT_LOCAL_PATHS,
      langPath,
      cacheMethod: 'none',
      gzip: true,
      // Without a handler tesseract.js throws failed jobs from its message listener, which ends
      // the process; the rejected job promise already carries the error.
      errorHandler: () => undefined,
    });
    await worker.setParameters({ tessedit_pageseg_mode: this.pageSegmentationMode, ...QUIET_PARAMETERS });

    return worker;
  }
}

/**
 * Sends Tesseract's diagnostic lines ("Estimating resolution as …", "Too few characters …")
 * to the WebAssembly file system's /dev/null instead of the process's stdout.
 */
export const QUIET_PARAMETERS = { debug_file: '/dev/null' } as const;

function collectWords(page: Tesseract.Page): OcrWord[] {
  const words: OcrWord[] = [];
  for (const block of page.blocks ?? []) {
    for (const paragraph of block.paragraphs) {
      for (const line of paragraph.lines) {
        for (const word of line.words) {
          if (word.text.trim() === '') {
            continue;
          }
          const { x0, y0, x1, y1 } = word.bbox;
          words.push({ text: word.text, confidence: word.confidence, bbox: { x0, y0, x1, y1 } });
        }
      }
    }
  }

  return words;
}
