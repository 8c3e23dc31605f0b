// Drops the database that the global setup created. QUIRE_KEEP_TEST_DB=1 keeps it for inspection.
import { rm } from 'node:fs/promises';

import { dropDatabase } from '../packages/db/src/database-admin';
import { getDatabaseName } from '../packages/db/src/database-url';
import { TEST_DATABASE_PREFIX, TEST_DATABASE_URL_VARIABLE } from './global-setup';
import { testRunBlobDirectory } from './support/test-run';

export default async function globalTeardown(): Promise<void> {
  const databaseUrl = process.env[TEST_DATABASE_URL_VARIABLE];
  if (!databaseUrl) {
    return;
  }

  const databaseName = getDatabaseName(databaseUrl);
  if (process.env.QUIRE_KEEP_TEST_DB === '1') {
    console.log(`Kept test database ${databaseName} because QUIRE_KEEP_TEST_DB=1.`);

    return;
  }
  // Guards against dropping a database this run did not create, should the variable be set by hand.
  if (!databaseName.startsWith(TEST_DATABASE_PREFIX)) {
    throw new Error(
      `Did not drop database ${databaseName} because test databases are named ${TEST_DATABASE_PREFIX}*. ` +
        `Unset ${TEST_DATABASE_URL_VARIABLE} or point it at a test database.`,
    );
  }

  await dropDatabase(databaseUrl);
  await rm(testRunBlobDirectory(databaseUrl), { recursive: true, force: true });
}
