import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Resolves the blob folder: an absolute `configured` path as given, a relative one
 * against the repository root, and `data/blobs` under the repository root by
 * default. Every app then finds the same folder whatever its working directory.
 */
export function resolveBlobRoot(configured: string | undefined, startDirectory: string = __dirname): string {
  if (configured && path.isAbsolute(configured)) {
    return configured;
  }

  return path.resolve(findRepositoryRoot(startDirectory), configured ?? path.join('data', 'blobs'));
}

/** Walks up to the folder that contains turbo.json, the repository root; falls back to the working directory. */
export function findRepositoryRoot(startDirectory: string): string {
  let directory = path.resolve(startDirectory);
  for (;;) {
    if (existsSync(path.join(directory, 'turbo.json'))) {
      return directory;
    }
    const parent = path.dirname(directory);
    if (parent === directory) {
      return process.cwd();
    }
    directory = parent;
  }
}
