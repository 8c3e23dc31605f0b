import type { Readable } from 'node:stream';

/** A blob's key is the hex sha256 of its bytes, so equal content is stored once. */
export interface StoredBlob {
  key: string;
  sizeBytes: number;
}

export interface BlobStore {
  /** Stores bytes under their sha256 and returns the key; storing existing content is a no-op. */
  put(bytes: Buffer): Promise<StoredBlob>;
  /** Stores a file's bytes under their sha256, reading it as a stream; the file itself is left in place. */
  putFile(filePath: string): Promise<StoredBlob>;
  get(key: string): Promise<Buffer>;
  createReadStream(key: string): Promise<Readable>;
  exists(key: string): Promise<boolean>;
  /**
   * Returns a local file path with the blob's bytes. The filesystem driver returns
   * the stored file itself; remote drivers download to a temporary file.
   */
  localPath(key: string): Promise<string>;
}

export class BlobNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`Blob ${key} was not found in the blob store`);
    this.name = 'BlobNotFoundError';
  }
}
