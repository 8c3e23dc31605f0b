import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { BlobNotFoundError } from './blob-store';
import { FileSystemBlobStore } from './filesystem-blob-store';

describe('FileSystemBlobStore', () => {
  let root: string;
  let store: FileSystemBlobStore;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'quire-blobs-'));
    store = new FileSystemBlobStore(root);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('stores content under its sha256', async () => {
    const blob = await store.put(Buffer.from('hello'));

    expect(blob.key).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    expect(blob.sizeBytes).toBe(5);
    expect((await store.get(blob.key)).toString()).toBe('hello');
    expect(await readFile(await store.localPath(blob.key), 'utf8')).toBe('hello');
  });

  it('stores a file under the sha256 of its bytes', async () => {
    const source = path.join(root, 'upload.bin');
    await writeFile(source, 'hello');

    const blob = await store.putFile(source);

    expect(blob).toEqual({ key: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824', sizeBytes: 5 });
    expect((await store.get(blob.key)).toString()).toBe('hello');
    expect(await readFile(source, 'utf8')).toBe('hello');
  });

  it('keeps one copy of equal content', async () => {
    const first = await store.put(Buffer.from('same'));
    const second = await store.put(Buffer.from('same'));

    expect(second.key).toBe(first.key);
  });

  it('reports a missing blob by key', async () => {
    const missing = 'a'.repeat(64);

    await expect(store.get(missing)).rejects.toBeInstanceOf(BlobNotFoundError);
    await expect(store.exists(missing)).resolves.toBe(false);
  });

  it('rejects keys that could escape the root', async () => {
    await expect(store.get('../../etc/passwd')).rejects.toThrow(/Invalid blob key/);
  });
});
