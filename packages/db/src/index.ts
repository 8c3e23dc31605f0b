export * from './generated/prisma/client';
export { createPrismaClient } from './prisma-client.factory';
export { createPgAdapterFactory } from './pg-adapter.factory';
export {
  DEFAULT_DATABASE_URL,
  describeDatabaseServer,
  getDatabaseName,
  resolveDatabaseUrl,
  withDatabaseName,
} from './database-url';
export {
  applyMigrations,
  createDatabaseIfMissing,
  DatabaseAdminError,
  DatabaseServerUnreachableError,
  dropDatabase,
  START_POSTGRES_COMMAND,
  type ApplyMigrationsOptions,
} from './database-admin';
