import { PrismaClient } from './generated/prisma/client';
import { createPgAdapterFactory } from './pg-adapter.factory';

/**
 * Creates a Prisma client for the PostgreSQL database at `databaseUrl`.
 *
 * Queries are compiled by Prisma's WebAssembly query compiler and sent through the `pg` driver,
 * so no native engine is needed. The client connects on its first query; call `$disconnect()`
 * to close its connection pool.
 */
export function createPrismaClient(databaseUrl: string): PrismaClient {
  return new PrismaClient({ adapter: createPgAdapterFactory(databaseUrl) });
}
