import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Finds the repository root: the nearest folder above this file whose package.json has workspaces. */
function findRepositoryRoot(): string {
  let folder = __dirname;
  for (;;) {
    const packageJson = path.join(folder, 'package.json');
    if (existsSync(packageJson) && 'workspaces' in JSON.parse(readFileSync(packageJson, 'utf8'))) {
      return folder;
    }
    const parent = path.dirname(folder);
    if (parent === folder) {
      throw new Error(`No package.json with "workspaces" above ${__dirname}; run the tests inside the repository.`);
    }
    folder = parent;
  }
}

/** Absolute path of a file in the shared samples folder beside the repository. */
export function samplePath(...segments: string[]): string {
  const file = path.resolve(findRepositoryRoot(), '..', 'shared', 'samples', ...segments);
  if (!existsSync(file)) {
    throw new Error(
      `Sample file ${file} is missing; the samples folder must sit beside the repository as shared/samples.`,
    );
  }

  return file;
}

export function readSample(...segments: string[]): Buffer {
  return readFileSync(samplePath(...segments));
}
