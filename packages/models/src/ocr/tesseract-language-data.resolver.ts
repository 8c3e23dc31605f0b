import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, symlink, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const DATA_SCOPE = '@tesseract.js-data';

/**
 * Model folder inside each data package. `4.0.0_best_int` contains the integer-quantised LSTM
 * models, and the `osd` package keeps its orientation model there as well.
 */
const MODEL_FOLDER = '4.0.0_best_int';

// Codes are joined into file paths, so anything but a plain name (such as `../x`) is rejected.
const LANGUAGE_CODE = /^[a-z][a-z0-9_]*$/i;

/** Name of the gzip-compressed model file for a language code, as the data packages store it. */
export function languageDataFileName(code: string): string {
  return `${code}.traineddata.gz`;
}

/**
 * Returns the folder holding `<code>.traineddata.gz` from the installed `@tesseract.js-data/<code>`
 * package, or null when that package does not resolve or lacks the model file.
 */
export function resolveLanguageDataFolder(code: string): string | null {
  if (!LANGUAGE_CODE.test(code)) {
    return null;
  }

  let packageJson: string;
  try {
    packageJson = require.resolve(`${DATA_SCOPE}/${code}/package.json`);
  } catch {
    return null;
  }

  const folder = path.join(path.dirname(packageJson), MODEL_FOLDER);

  return existsSync(path.join(folder, languageDataFileName(code))) ? folder : null;
}

/** Lists the codes of every `@tesseract.js-data/*` package that resolves from this module, sorted. */
export function listInstalledLanguageData(): string[] {
  const candidates = new Set<string>();
  for (const nodeModules of require.resolve.paths(DATA_SCOPE) ?? []) {
    const scopeFolder = path.join(nodeModules, DATA_SCOPE);
    if (!existsSync(scopeFolder)) {
      continue;
    }
    for (const entry of readdirSync(scopeFolder)) {
      candidates.add(entry);
    }
  }

  return [...candidates].filter((code) => resolveLanguageDataFolder(code) !== null).sort();
}

/**
 * One folder that links the model files of several languages. tesseract.js reads every language
 * of a worker from a single `langPath`, while each language ships in its own package. Passing the
 * models as `{ code, data }` objects instead does not work in tesseract.js 7.0.0: its initialise
 * step joins the model bytes into the language string, and worker creation never settles.
 */
export class CombinedLanguageFolder {
  private folder: Promise<string> | null = null;
  private readonly linked = new Map<string, Promise<void>>();

  /** Links the given languages into the folder, creating it on first use, and returns its path. */
  async prepare(codes: readonly string[]): Promise<string> {
    this.folder ??= mkdtemp(path.join(tmpdir(), 'quire-tessdata-'));
    const folder = await this.folder;

    await Promise.all(codes.map((code) => this.link(folder, code)));

    return folder;
  }

  /** Removes the folder and its links; the data packages themselves are untouched. */
  async remove(): Promise<void> {
    const folder = this.folder;
    this.folder = null;
    this.linked.clear();
    if (folder === null) {
      return;
    }

    await rm(await folder, { recursive: true, force: true });
  }

  private link(folder: string, code: string): Promise<void> {
    let linking = this.linked.get(code);
    if (linking === undefined) {
      linking = linkLanguageFile(folder, code);
      this.linked.set(code, linking);
      // A failed link is retried by the next caller instead of being remembered.
      linking.catch(() => this.linked.delete(code));
    }

    return linking;
  }
}

async function linkLanguageFile(folder: string, code: string): Promise<void> {
  const source = resolveLanguageDataFolder(code);
  if (source === null) {
    throw new Error(`Language data for "${code}" is not installed; install ${DATA_SCOPE}/${code}.`);
  }

  const fileName = languageDataFileName(code);
  const target = path.join(folder, fileName);
  try {
    await symlink(path.join(source, fileName), target);
  } catch (error) {
    // Windows allows file symlinks only with extra privileges; a copy works everywhere.
    if (isErrorCode(error, 'EPERM')) {
      await copyFile(path.join(source, fileName), target);
      return;
    }
    if (!isErrorCode(error, 'EEXIST')) {
      throw error;
    }
  }
}

function isErrorCode(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}
