import os from 'node:os';
import path from 'node:path';

/** Returns the blob folder of this test run, named after its database; the global teardown removes it. */
export function testRunBlobDirectory(databaseUrl = process.env.DATABASE_URL ?? 'postgresql://127.0.0.1/quire'): string {
  const databaseName = new URL(databaseUrl).pathname.slice(1);
  return path.join(os.tmpdir(), `quire-blobs-${databaseName}`);
}
