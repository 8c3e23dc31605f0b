import { randomUUID } from 'node:crypto';
import pg from 'pg';

import {
  createDatabaseIfMissing,
  DatabaseServerUnreachableError,
  dropDatabase,
  START_POSTGRES_COMMAND,
} from './database-admin';
import { withDatabaseName } from './database-url';

async function databaseExists(serverUrl: string, databaseName: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: withDatabaseName(serverUrl, 'postgres') });
  await client.connect();
  try {
    const result = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName]);

    return result.rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('database administration', () => {
  const serverUrl = process.env.DATABASE_URL!;
  // A name that needs quoting, so a missing escape fails the test.
  const scratchName = `quire_test_admin_${randomUUID().slice(0, 8)} "Quoted"`;
  const scratchUrl = withDatabaseName(serverUrl, scratchName);

  afterAll(async () => {
    await dropDatabase(scratchUrl);
  });

  it('creates a missing database once', async () => {
    expect(await createDatabaseIfMissing(scratchUrl)).toBe(true);
    expect(await databaseExists(serverUrl, scratchName)).toBe(true);

    expect(await createDatabaseIfMissing(scratchUrl)).toBe(false);
  });

  it('drops a database that has open connections', async () => {
    await createDatabaseIfMissing(scratchUrl);
    const openClient = new pg.Client({ connectionString: scratchUrl });
    await openClient.connect();
    // The forced drop terminates this session; the client then reports the lost connection.
    openClient.on('error', () => undefined);

    await dropDatabase(scratchUrl);

    expect(await databaseExists(serverUrl, scratchName)).toBe(false);
    await openClient.end().catch(() => undefined);
  });

  it('drops a missing database without error', async () => {
    await expect(dropDatabase(scratchUrl)).resolves.toBeUndefined();
  });

  it('names the address and the start command when unreachable', async () => {
    // Port 1 on loopback has no listener, so the connection is refused at once.
    const unreachableUrl = 'postgresql://postgres@127.0.0.1:1/quire';

    const attempt = createDatabaseIfMissing(unreachableUrl);

    await expect(attempt).rejects.toBeInstanceOf(DatabaseServerUnreachableError);
    await expect(attempt).rejects.toThrow('PostgreSQL at 127.0.0.1:1 could not be reached (ECONNREFUSED)');
    await expect(attempt).rejects.toThrow(START_POSTGRES_COMMAND);
  });
});
