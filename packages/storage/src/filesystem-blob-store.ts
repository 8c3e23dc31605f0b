import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { BlobNotFoundError, type BlobStore, type StoredBlob } from './blob-store';

const KEY_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Content-addressed blobs in a local folder, laid out as `ab/cd/<sha256>` so no
 * directory grows past a few thousand entries.
 */
export class FileSystemBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  async put(bytes: Buffer): Promise<StoredBlob> {
    const key = createHash('sha256').update(bytes).digest('hex');
    await this.store(key, (temporary) => writeFile(temporary, bytes));

    return { key, sizeBytes: bytes.length };
  }

  async putFile(filePath: string): Promise<StoredBlob> {
    const hash = createHash('sha256');
    await pipeline(createReadStream(filePath), hash);
    const key = hash.digest('hex');
    // Copied rather than renamed: the source may sit on another file system, where rename fails.
    await this.store(key, (temporary) => copyFile(filePath, temporary));

    return { key, sizeBytes: (await stat(filePath)).size };
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      throw notFoundOr(error, key);
    }
  }

  async createReadStream(key: string): Promise<Readable> {
    const file = this.pathOf(key);
    if (!(await this.exists(key))) {
      throw new BlobNotFoundError(key);
    }

    return createReadStream(file);
  }

  async exists(key: string): Promise<boolean> {
    try {
      await stat(this.pathOf(key));
      return true;
    } catch (error) {
      if (isMissingFile(error)) {
        return false;
      }
      throw error;
    }
  }

  async localPath(key: string): Promise<string> {
    if (!(await this.exists(key))) {
      throw new BlobNotFoundError(key);
    }

    return this.pathOf(key);
  }

  /**
   * Writes a blob that is not stored yet. `write` fills a temporary file beside the
   * target, which is then renamed into place, so readers find no file or a complete
   * one, and two writers of the same content end with the same file.
   */
  private async store(key: string, write: (temporary: string) => Promise<void>): Promise<void> {
    if (await this.exists(key)) {
      return;
    }

    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${randomUUID()}.tmp`;
    try {
      await write(temporary);
      await rename(temporary, target);
    } finally {
      await rm(temporary, { force: true });
    }
  }

  private pathOf(key: string): string {
    if (!KEY_PATTERN.test(key)) {
      throw new Error(`Invalid blob key "${key}": expected 64 lowercase hex characters`);
    }

    return path.join(this.root, key.slice(0, 2), key.slice(2, 4), key);
  }
}

function isMissingFile(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function notFoundOr(error: unknown, key: string): unknown {
  return isMissingFile(error) ? new BlobNotFoundError(key) : error;
}
