// The engines that read each page again outside the pipeline, right after the pipeline read it,
// so that both see about the same load from other processes on a shared machine.
import path from 'node:path';

import {
  findTesseractBinary,
  listTesseractLanguages,
  prepareTesseractJsModels,
  readTesseractVersion,
  readWithNativeTesseract,
  TesseractJsProcess,
  type EnginePage,
  type EngineReading,
} from './bench-engines.ts';

export interface BaselineReadings {
  tesseractJs: EngineReading;
  /** Native Tesseract with the tesseract.js models; null when `tesseract` is not installed. */
  nativeSameModels: EngineReading | null;
  /** Native Tesseract with its own installed models; null when not installed or a language model is missing. */
  nativeDebianModels: EngineReading | null;
}

interface NativeTesseract {
  binary: string;
  version: string;
  sameModelsFolder: string;
  ownModelsFolder: string;
  ownLanguages: string[];
}

export class BaselineReaders {
  private readonly tesseractJs: TesseractJsProcess;
  private readonly native: NativeTesseract | null;
  private readonly missingOwnModels = new Map<string, number>();

  private constructor(tesseractJs: TesseractJsProcess, native: NativeTesseract | null) {
    this.tesseractJs = tesseractJs;
    this.native = native;
  }

  /**
   * Starts tesseract.js in its own process with `poolSize` workers and, when `tesseract` is on
   * PATH, unpacks the tesseract.js models of `languages` for it into `workDirectory`.
   */
  static async start(
    languages: ReadonlySet<string>,
    poolSize: number,
    workDirectory: string,
  ): Promise<BaselineReaders> {
    const binary = findTesseractBinary();
    let native: NativeTesseract | null = null;
    if (binary !== null) {
      const own = await listTesseractLanguages(binary);
      native = {
        binary,
        version: await readTesseractVersion(binary),
        sameModelsFolder: await prepareTesseractJsModels(languages, path.join(workDirectory, 'tessdata-best-int')),
        ownModelsFolder: own.folder,
        ownLanguages: own.languages,
      };
    }

    return new BaselineReaders(await TesseractJsProcess.start(poolSize), native);
  }

  /** Native Tesseract's version and settings, or null when it is not installed. */
  get nativeDescription(): string | null {
    return this.native ? `${this.native.version}, --oem 1 --psm 3, OMP_THREAD_LIMIT=1` : null;
  }

  /** Reads one page with every baseline, one after another. */
  async read(page: EnginePage): Promise<BaselineReadings> {
    const tesseractJs = await this.tesseractJs.read(page);
    if (this.native === null) {
      return { tesseractJs, nativeSameModels: null, nativeDebianModels: null };
    }

    const { binary, sameModelsFolder, ownLanguages } = this.native;
    const nativeSameModels = await readWithNativeTesseract(binary, page, sameModelsFolder);
    const missing = page.languages.filter((language) => !ownLanguages.includes(language));
    for (const language of missing) {
      this.missingOwnModels.set(language, (this.missingOwnModels.get(language) ?? 0) + 1);
    }
    const nativeDebianModels = missing.length === 0 ? await readWithNativeTesseract(binary, page, null) : null;

    return { tesseractJs, nativeSameModels, nativeDebianModels };
  }

  /** Baselines, or parts of them, that did not run, each with the reason and how to add it. */
  notes(): string[] {
    if (this.native === null) {
      return [
        'native Tesseract: no `tesseract` on PATH. Install it with `apt-get install tesseract-ocr` ' +
          '(and tesseract-ocr-deu, -fra, -ita, -spa, -por, -nld for the other languages) to add this baseline.',
      ];
    }

    return [...this.missingOwnModels].map(
      ([language, pages]) =>
        `native Tesseract with its own models: no ${language} model in ${this.native!.ownModelsFolder}, so ${pages} ` +
        `page(s) were left out (apt-get install tesseract-ocr-${language}).`,
    );
  }

  /** Stops the tesseract.js process; returns its peak resident set size in bytes. */
  close(): Promise<number | null> {
    return this.tesseractJs.close();
  }
}
