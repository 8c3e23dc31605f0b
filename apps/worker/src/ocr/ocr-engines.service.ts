import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { OcrEngineChoice, OcrEngineName } from '@quire/contracts';
import {
  NativeTesseractEngine,
  OcrError,
  PaddleOcrEngine,
  TesseractJsEngine,
  type NativeTesseractProbe,
  type OcrEngine,
} from '@quire/models';

import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config';

/**
 * The OCR engines this worker can run. tesseract.js is always installed, and
 * native Tesseract exists where the `tesseract` binary is on PATH. PaddleOCR
 * starts its child process on first use, because that process takes about 2 GB.
 */
@Injectable()
export class OcrEnginesService implements OnModuleDestroy {
  private readonly logger = new Logger(OcrEnginesService.name);
  private readonly engines = new Map<OcrEngineName, OcrEngine>();
  private nativeProbe: Promise<NativeTesseractProbe | null> | undefined;

  constructor(@Inject(WORKER_CONFIG) private readonly config: WorkerConfig) {}

  /** Returns the engine a run requested, with `auto` meaning the worker's default for these languages. */
  async resolve(choice: OcrEngineChoice, languages: readonly string[]): Promise<OcrEngine> {
    const name = choice === 'auto' ? await this.defaultEngine(languages) : choice;
    if (name === 'tesseract' && !(await this.nativeTesseract())) {
      throw new OcrError(
        'language_not_installed',
        'The run requested native Tesseract, but this worker has no `tesseract` binary on PATH; install tesseract-ocr or run with ocrEngine tesseract.js.',
      );
    }

    return this.engine(name);
  }

  /**
   * Picks native Tesseract where it is installed with every requested language,
   * else tesseract.js. On the samples native Tesseract was as accurate and about
   * 1.6 times faster (docs/benchmarks.md, "OCR engines").
   */
  async defaultEngine(languages: readonly string[]): Promise<OcrEngineName> {
    if (this.config.OCR_DEFAULT_ENGINE !== 'auto') {
      return this.config.OCR_DEFAULT_ENGINE;
    }
    const native = await this.nativeTesseract();

    return native && languages.every((language) => native.languages.includes(language)) ? 'tesseract' : 'tesseract.js';
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.engines.values()].map((engine) => engine.close()));
  }

  private engine(name: OcrEngineName): OcrEngine {
    let engine = this.engines.get(name);
    if (!engine) {
      engine = this.create(name);
      this.engines.set(name, engine);
    }

    return engine;
  }

  private create(name: OcrEngineName): OcrEngine {
    const concurrency = this.config.OCR_CONCURRENCY;
    switch (name) {
      case 'tesseract.js':
        return new TesseractJsEngine({ concurrency });
      case 'tesseract':
        return new NativeTesseractEngine({ concurrency });
      case 'paddleocr':
        return new PaddleOcrEngine();
    }
  }

  private nativeTesseract(): Promise<NativeTesseractProbe | null> {
    this.nativeProbe ??= NativeTesseractEngine.probe().then((found) => {
      if (found) {
        this.logger.log({ version: found.version, languages: found.languages }, 'Native Tesseract found.');
      } else {
        this.logger.log('No native Tesseract binary on PATH; tesseract.js reads pages.');
      }
      return found;
    });

    return this.nativeProbe;
  }
}
