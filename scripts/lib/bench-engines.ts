// Baselines that read the pipeline's upright page images without the pipeline: tesseract.js through
// TesseractJsEngine in a child process, and the native `tesseract` command when it is installed.
// The TSV of the native command is parsed by `parseTesseractTsv` of @quire/models, which
// NativeTesseractEngine uses too.
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { accessSync, constants, createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';

import { parseTesseractTsv, resolveLanguageDataFolder, type OcrWord } from '@quire/models';

import { ChildExchange } from './child-exchange.ts';

const execFileAsync = promisify(execFile);

/** Time limit for one page in either baseline. The pipeline's own default is 120 s. */
const PAGE_TIMEOUT_MS = 180_000;

/** One page to read: a key to find the result by, the upright PNG and the OCR languages. */
export interface EnginePage {
  key: string;
  imageFile: string;
  languages: string[];
}

export interface EngineReading {
  text: string;
  words: OcrWord[];
  /** Wall time of the call. */
  seconds: number;
  /** CPU time of the whole reading process during the call, or null where it is not measured (native Tesseract). */
  cpuSeconds: number | null;
  error: string | null;
}

/** Messages from the benchmark to the tesseract.js child process. */
export type BareEngineRequest = { type: 'read'; page: EnginePage } | { type: 'close' };

/** Messages from the tesseract.js child process to the benchmark. */
export type BareEngineResponse =
  | { type: 'ready' }
  | { type: 'reading'; key: string; reading: EngineReading }
  | { type: 'closed'; peakRssBytes: number };

/**
 * TesseractJsEngine in a child process of its own, so its time per page and its peak memory are
 * measured apart from the pipeline and from the benchmark's own process. Pages are read one at a
 * time. The pool size should be the worker's OCR concurrency: the engine then keeps as many
 * workers ready, one per language set, so a language change starts a worker (about a second)
 * only where the pipeline's engine would start one too.
 */
export class TesseractJsProcess {
  private readonly channel: ChildExchange<BareEngineRequest, BareEngineResponse>;

  private constructor(child: ChildProcess) {
    this.channel = new ChildExchange(child, 'The tesseract.js baseline process');
  }

  static async start(poolSize: number): Promise<TesseractJsProcess> {
    const script = path.join(import.meta.dirname, 'bench-tesseract-js.child.ts');
    // The parent's Node.js options (such as --input-type from `node -e`) need not suit this file.
    const child = fork(script, [String(poolSize)], { execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const engineProcess = new TesseractJsProcess(child);
    const ready = await engineProcess.channel.exchange(null, 60_000);
    if (ready.type !== 'ready') {
      throw new Error(`The tesseract.js baseline process sent "${ready.type}" instead of "ready".`);
    }

    return engineProcess;
  }

  get pid(): number | undefined {
    return this.channel.child.pid;
  }

  async read(page: EnginePage): Promise<EngineReading> {
    const response = await this.channel.exchange({ type: 'read', page }, PAGE_TIMEOUT_MS);
    if (response.type !== 'reading' || response.key !== page.key) {
      throw new Error(`The tesseract.js baseline process responded to page ${page.key} with "${response.type}".`);
    }

    return response.reading;
  }

  /** Closes the engine and the process; returns the process's peak resident set size in bytes. */
  async close(): Promise<number | null> {
    if (this.channel.exited) {
      return null;
    }
    const response = await this.channel.exchange({ type: 'close' }, 60_000);

    return response.type === 'closed' ? response.peakRssBytes : null;
  }
}

/** Returns the path of the `tesseract` executable on PATH, or null when there is none. */
export function findTesseractBinary(): string | null {
  for (const folder of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(folder, 'tesseract');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder.
    }
  }

  return null;
}

/** Returns the first line of `tesseract --version`, such as "tesseract 5.3.0". */
export async function readTesseractVersion(binary: string): Promise<string> {
  const { stdout, stderr } = await execFileAsync(binary, ['--version']);

  return `${stdout}${stderr}`.split('\n')[0]?.trim() ?? 'tesseract (unknown version)';
}

/** Lists the language models of native Tesseract's default model folder, and that folder. */
export async function listTesseractLanguages(binary: string): Promise<{ folder: string; languages: string[] }> {
  const { stdout } = await execFileAsync(binary, ['--list-langs']);
  const [header = '', ...lines] = stdout.split('\n');

  // The header reads 'List of available languages in "/usr/share/tesseract-ocr/5/tessdata/" (7):'.
  return {
    folder: /"([^"]+)"/.exec(header)?.[1] ?? 'the default tessdata folder',
    languages: lines.map((line) => line.trim()).filter(Boolean),
  };
}

/**
 * Writes the `4.0.0_best_int` models of the `@tesseract.js-data` packages, unzipped, into
 * `directory`, so native Tesseract reads with the same models as tesseract.js.
 */
export async function prepareTesseractJsModels(languages: Iterable<string>, directory: string): Promise<string> {
  await mkdir(directory, { recursive: true });
  for (const language of languages) {
    const folder = resolveLanguageDataFolder(language);
    if (folder === null) {
      throw new Error(`@tesseract.js-data/${language} is not installed, so native Tesseract cannot use its model.`);
    }
    await pipeline(
      createReadStream(path.join(folder, `${language}.traineddata.gz`)),
      createGunzip(),
      createWriteStream(path.join(directory, `${language}.traineddata`)),
    );
  }

  return directory;
}

/**
 * Reads one page with a native `tesseract` process: LSTM only (`--oem 1`, as TesseractJsEngine),
 * page segmentation mode 3 (TesseractJsEngine's default) and one OpenMP thread, because OpenMP
 * on a few shared cores makes it several times slower. The time includes starting the process and
 * loading the model, which every page pays here. `tessdataDirectory` null uses Tesseract's own models.
 */
export async function readWithNativeTesseract(
  binary: string,
  page: EnginePage,
  tessdataDirectory: string | null,
): Promise<EngineReading> {
  const args = [page.imageFile, 'stdout', '--oem', '1', '--psm', '3', '-l', page.languages.join('+')];
  if (tessdataDirectory !== null) {
    args.push('--tessdata-dir', tessdataDirectory);
  }
  // The `tsv` config file sits in the default tessdata folder only, so the variable is set directly.
  args.push('-c', 'tessedit_create_tsv=1');

  const started = performance.now();
  try {
    const { stdout } = await execFileAsync(binary, args, {
      env: { ...process.env, OMP_THREAD_LIMIT: '1' },
      maxBuffer: 64 * 1024 * 1024,
      timeout: PAGE_TIMEOUT_MS,
    });

    return {
      ...parseTesseractTsv(stdout),
      seconds: (performance.now() - started) / 1000,
      cpuSeconds: null,
      error: null,
    };
  } catch (error) {
    return {
      text: '',
      words: [],
      seconds: (performance.now() - started) / 1000,
      cpuSeconds: null,
      error: error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error),
    };
  }
}
