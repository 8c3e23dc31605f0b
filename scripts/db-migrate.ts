// Creates the database named in DATABASE_URL when it is missing, then applies the pending
// migrations with `prisma migrate deploy`. Run with `npm run db:migrate`.
import path from 'node:path';

import { applyMigrations, createDatabaseIfMissing, DatabaseAdminError } from '../packages/db/src/database-admin.ts';
import { describeDatabaseServer, getDatabaseName, resolveDatabaseUrl } from '../packages/db/src/database-url.ts';

async function main(): Promise<void> {
  const databaseUrl = resolveDatabaseUrl();
  const databaseName = getDatabaseName(databaseUrl);
  const serverAddress = describeDatabaseServer(databaseUrl);

  const created = await createDatabaseIfMissing(databaseUrl);
  console.log(
    created
      ? `Created database ${databaseName} on ${serverAddress}.`
      : `Database ${databaseName} already exists on ${serverAddress}.`,
  );

  applyMigrations(databaseUrl, { repositoryRoot: path.resolve(import.meta.dirname, '..'), output: 'inherit' });
}

try {
  await main();
} catch (error) {
  // DatabaseAdminError messages name the server, the database and the next step; other errors are
  // unexpected and keep their stack trace.
  if (error instanceof DatabaseAdminError) {
    console.error(`npm run db:migrate failed: ${error.message}`);
  } else {
    console.error('npm run db:migrate failed:', error);
  }
  process.exitCode = 1;
}
