import { execFile, execFileSync, spawn } from 'node:child_process';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { ConcurrencyLimiter } from './concurrency.limiter';
import { engineClosedError, startOcrCall } from './ocr-call';
import { OcrError, type OcrEngine, type OcrOptions, type OcrResult } from './ocr-engine';
import { parseTesseractTsv } from './tesseract-tsv.parser';

const execFileAsync = promisify(execFile);

/** Page segmentation modes this engine accepts: 3 finds columns and blocks, 6 reads one uniform block. */
export type NativePageSegmentationMode = 3 | 6;

/**
 * Default page segmentation mode. Measured with `npm run bench -- --only engines` (Tesseract 5.3.0,
 * Debian 12 models, 2-core x86-64). psm 3 read the two-column brochure at 1.03 % CER, psm 6 at
 * 38.06 %. On the FUNSD forms psm 3 scored 31.88 % and 52.77 % word CER, psm 6 52.45 % and 56.80 %.
 * On the magazine zones psm 3 scored 1.85 % and psm 6 2.69 %. Both read phototest and eurotext
 * alike. psm 6 found more words on the six-column newspaper page (0.90 of the ALTO count, psm 3 0.75).
 */
export const DEFAULT_NATIVE_PAGE_SEGMENTATION_MODE: NativePageSegmentationMode = 3;

/** Characters of the process's error output kept for error messages. */
const STDERR_TAIL_CHARS = 2_000;
const PROBE_TIMEOUT_MS = 10_000;

export interface NativeTesseractEngineOptions {
  /** Path or name of the executable (default `tesseract`, looked up on PATH). */
  binary?: string;
  /** Processes run at once (default one per CPU core). Each uses one core: OpenMP is limited to one thread. */
  concurrency?: number;
  /** Page segmentation mode (default `DEFAULT_NATIVE_PAGE_SEGMENTATION_MODE`). */
  pageSegmentationMode?: NativePageSegmentationMode;
  /** Folder of `.traineddata` models; by default the one Tesseract was built with. */
  tessdataDirectory?: string;
  /** Time limit for a call that sets no `timeoutMs` (default 120000 ms). */
  defaultTimeoutMs?: number;
}

export interface NativeTesseractProbe {
  /** Version from `tesseract --version`, such as `5.3.0`. */
  version: string;
  /** Recognition languages of the model folder, sorted, without `osd`. */
  languages: string[];
}

/**
 * OCR engine that runs the `tesseract` command (Tesseract 4 or 5, such as Debian's `tesseract-ocr`),
 * one process per page, with the page image on stdin and TSV on stdout. The binary is not part of
 * a fresh machine: check `NativeTesseractEngine.probe()` before offering this engine.
 */
export class NativeTesseractEngine implements OcrEngine {
  readonly name = 'tesseract';

  private readonly binary: string;
  private readonly pageSegmentationMode: NativePageSegmentationMode;
  private readonly tessdataDirectory: string | undefined;
  private readonly defaultTimeoutMs: number;
  private readonly limiter: ConcurrencyLimiter;
  private readonly closing = new AbortController();
  private installed: { languages: string[]; problem: string | null } | null = null;

  constructor(options: NativeTesseractEngineOptions = {}) {
    this.binary = options.binary ?? 'tesseract';
    this.pageSegmentationMode = options.pageSegmentationMode ?? DEFAULT_NATIVE_PAGE_SEGMENTATION_MODE;
    this.tessdataDirectory = options.tessdataDirectory;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 120_000;
    this.limiter = new ConcurrencyLimiter(options.concurrency ?? os.availableParallelism());
  }

  /**
   * Resolves to the version and languages of `binary`, or null when it cannot be run (not
   * installed, not executable, or failing to list its languages).
   */
  static async probe(binary = 'tesseract', tessdataDirectory?: string): Promise<NativeTesseractProbe | null> {
    try {
      const version = await execFileAsync(binary, ['--version'], { timeout: PROBE_TIMEOUT_MS });
      const listing = await execFileAsync(binary, listLanguagesArguments(tessdataDirectory), {
        timeout: PROBE_TIMEOUT_MS,
      });

      return {
        version: parseTesseractVersion(`${version.stdout}\n${version.stderr}`),
        languages: parseLanguageList(listing.stdout),
      };
    } catch {
      return null;
    }
  }

  /** Languages of the model folder without `osd`; empty when the binary cannot be run. */
  installedLanguages(): string[] {
    return [...this.readInstalled().languages];
  }

  /** Processes running and calls waiting for one, for metrics and tests. */
  processStats(): { running: number; waiting: number } {
    const { active, waiting } = this.limiter.stats();

    return { running: active, waiting };
  }

  /** Reads one encoded page image (PNG, JPEG, TIFF, PNM, BMP: whatever Leptonica decodes). */
  async recognize(image: Buffer, options: OcrOptions): Promise<OcrResult> {
    const started = performance.now();
    const languages = this.checkLanguages(options.languages);
    const { stop, stopError } = startOcrCall(image, options, {
      engineLabel: 'Native Tesseract',
      defaultTimeoutMs: this.defaultTimeoutMs,
      closing: this.closing.signal,
      timeoutAdvice:
        'raise timeoutMs, raise the concurrency if calls wait for a free process, or send a smaller image.',
    });

    let release: () => void;
    try {
      release = await this.limiter.acquire(stop);
    } catch {
      throw stopError();
    }
    let tsv: string;
    try {
      tsv = await this.runProcess(image, languages, stop, stopError);
    } finally {
      release();
    }
    const page = parseTesseractTsv(tsv);

    return {
      text: page.text,
      words: page.words,
      meanConfidence:
        page.words.length === 0 ? null : page.words.reduce((sum, word) => sum + word.confidence, 0) / page.words.length,
      engine: this.name,
      languages,
      usage: { pages: 1 },
      durationMs: performance.now() - started,
    };
  }

  /** Kills running processes and rejects waiting and later calls. */
  async close(): Promise<void> {
    this.closing.abort();
  }

  private runProcess(
    image: Buffer,
    languages: readonly string[],
    stop: AbortSignal,
    stopError: () => OcrError,
  ): Promise<string> {
    if (stop.aborted) {
      return Promise.reject(stopError());
    }

    const args = ['stdin', 'stdout', '--psm', String(this.pageSegmentationMode), '-l', languages.join('+')];
    if (this.tessdataDirectory !== undefined) {
      args.push('--tessdata-dir', this.tessdataDirectory);
    }
    // The `tsv` config file sits in the default model folder only, so the variable is set directly.
    args.push('-c', 'tessedit_create_tsv=1');

    return new Promise<string>((resolve, reject) => {
      // OpenMP spreads one page over every core, which makes Tesseract 6-7 times slower on a few
      // shared cores. One thread per process and one process per core is faster.
      const child = spawn(this.binary, args, {
        env: { ...process.env, OMP_THREAD_LIMIT: '1' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const stdout: Buffer[] = [];
      let stderr = '';
      let settled = false;
      const finish = (action: () => void): void => {
        if (!settled) {
          settled = true;
          stop.removeEventListener('abort', onStop);
          action();
        }
      };
      const onStop = (): void => {
        child.kill('SIGKILL');
        finish(() => reject(stopError()));
      };
      stop.addEventListener('abort', onStop, { once: true });

      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
      });
      child.on('error', (error: NodeJS.ErrnoException) => {
        finish(() => reject(spawnFailure(this.binary, error)));
      });
      child.on('close', (code, signal) => {
        if (code === 0) {
          finish(() => resolve(Buffer.concat(stdout).toString('utf8')));
          return;
        }
        finish(() => reject(exitFailure(code, signal, stderr)));
      });
      // Tesseract closes stdin early when it fails to start, and its exit status carries the reason.
      child.stdin.on('error', () => undefined);
      child.stdin.end(image);
    });
  }

  private checkLanguages(requested: readonly string[]): string[] {
    if (this.closing.signal.aborted) {
      throw engineClosedError('native Tesseract');
    }
    const { languages: installed, problem } = this.readInstalled();
    if (problem !== null) {
      throw new OcrError('engine_failed', problem);
    }
    if (requested.length === 0) {
      throw new OcrError(
        'language_not_installed',
        `No OCR language was requested; pass one or more of: ${installed.join(', ')}.`,
      );
    }

    const languages = [...new Set(requested)];
    const missing = languages.filter((language) => !installed.includes(language));
    if (missing.length > 0) {
      const names = missing.map((language) => `"${language}"`).join(', ');
      const packages = missing.map((language) => `tesseract-ocr-${language}`).join(' ');
      throw new OcrError(
        'language_not_installed',
        `Native Tesseract has no model for ${names}; installed languages: ${installed.join(', ') || 'none'}. ` +
          `On Debian install ${packages}, or request an installed language.`,
      );
    }

    return languages;
  }

  private readInstalled(): { languages: string[]; problem: string | null } {
    if (this.installed === null) {
      try {
        const listing = execFileSync(this.binary, listLanguagesArguments(this.tessdataDirectory), {
          encoding: 'utf8',
          timeout: PROBE_TIMEOUT_MS,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        this.installed = { languages: parseLanguageList(listing), problem: null };
      } catch (error) {
        this.installed = { languages: [], problem: spawnFailure(this.binary, error as NodeJS.ErrnoException).message };
      }
    }

    return this.installed;
  }
}

function listLanguagesArguments(tessdataDirectory: string | undefined): string[] {
  return tessdataDirectory === undefined ? ['--list-langs'] : ['--tessdata-dir', tessdataDirectory, '--list-langs'];
}

/** Reads the version from `tesseract --version` output, whose first line is `tesseract 5.3.0`. */
export function parseTesseractVersion(output: string): string {
  const match = /tesseract\s+v?(\d+\.\d+(?:\.\d+)?\S*)/i.exec(output);

  return match?.[1] ?? 'unknown';
}

/**
 * Reads the language codes from `tesseract --list-langs` output: a header line naming the model
 * folder, then one code per line. `osd` (orientation and script detection) reads no text, so it
 * is left out.
 */
export function parseLanguageList(output: string): string[] {
  return output
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .filter((code) => /^[a-z][a-z0-9_]*$/i.test(code) && code !== 'osd')
    .sort();
}

function spawnFailure(binary: string, error: NodeJS.ErrnoException): OcrError {
  if (error.code === 'ENOENT') {
    return new OcrError(
      'engine_failed',
      `The Tesseract executable "${binary}" was not found; install it (Debian: apt-get install tesseract-ocr) ` +
        'or choose another OCR engine.',
      { cause: error },
    );
  }

  return new OcrError('engine_failed', `Running "${binary}" failed: ${error.message}`, { cause: error });
}

function exitFailure(code: number | null, signal: NodeJS.Signals | null, stderr: string): OcrError {
  const exitCause = signal === null ? `with code ${code}` : `on signal ${signal}`;
  const output = stderr.trim().split('\n').slice(-3).join(' | ');
  const errorCode = /Failed loading language/i.test(stderr) ? 'language_not_installed' : 'engine_failed';

  return new OcrError(errorCode, `Native Tesseract exited ${exitCause}${output === '' ? '' : `: ${output}`}`);
}
