// Creates one fresh, migrated database for the whole test run and hands its URL to the test
// workers through DATABASE_URL. Jest starts the workers after this returns, so they inherit it.
import type { GlobalConfig } from 'jest';

import { applyMigrations, createDatabaseIfMissing, dropDatabase } from '../packages/db/src/database-admin';
import { resolveDatabaseUrl, withDatabaseName } from '../packages/db/src/database-url';

/** Name prefix of the databases created for test runs; the teardown drops only such databases. */
export const TEST_DATABASE_PREFIX = 'quire_test_';

/** Environment variable that passes the test database URL from this setup to the global teardown. */
export const TEST_DATABASE_URL_VARIABLE = 'QUIRE_TEST_DATABASE_URL';

export default async function globalSetup(globalConfig: GlobalConfig): Promise<void> {
  // Without this, Google client libraries probe a cloud metadata server for credentials.
  process.env.METADATA_SERVER_DETECTION = 'none';

  // The start time and the Jest process id give concurrent runs against one server different names.
  const databaseName = `${TEST_DATABASE_PREFIX}${Date.now()}_${process.pid}`;
  const databaseUrl = withDatabaseName(resolveDatabaseUrl(), databaseName);

  await createDatabaseIfMissing(databaseUrl);
  try {
    applyMigrations(databaseUrl, { repositoryRoot: globalConfig.rootDir, output: 'capture' });
  } catch (error) {
    // Jest skips the global teardown when the setup fails, so the database is dropped here.
    await dropDatabase(databaseUrl);
    throw error;
  }

  process.env.DATABASE_URL = databaseUrl;
  process.env[TEST_DATABASE_URL_VARIABLE] = databaseUrl;
}
