export * from './generated/prisma/client.js';
export { createPrismaClient } from './prisma-client.factory.ts';
export { createPgAdapterFactory } from './pg-adapter.factory.ts';
export {
  DEFAULT_DATABASE_URL,
  describeDatabaseServer,
  getDatabaseName,
  resolveDatabaseUrl,
  withDatabaseName,
} from './database-url.ts';
export {
  applyMigrations,
  createDatabaseIfMissing,
  DatabaseServerUnreachableError,
  dropDatabase,
  START_POSTGRES_COMMAND,
  type ApplyMigrationsOptions,
} from './database-admin.ts';
