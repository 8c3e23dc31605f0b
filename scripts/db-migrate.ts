// Creates the database named in DATABASE_URL when it is missing, then applies the pending
// migrations with `prisma migrate deploy`. Run with `npm run db:migrate`.
import path from 'node:path';

import {
  applyMigrations,
  createDatabaseIfMissing,
  DatabaseServerUnreachableError,
} from '../packages/db/src/database-admin.ts';
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
  if (error instanceof DatabaseServerUnreachableError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exitCode = 1;
}
