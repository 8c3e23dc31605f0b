import path from 'node:path';
import { defineConfig } from 'prisma/config';

import { resolveDatabaseUrl } from './packages/db/src/database-url.ts';
import { createPgAdapterFactory } from './packages/db/src/pg-adapter.factory.ts';

// The schema's `url = env("DATABASE_URL")` must resolve even for commands that do not connect, such
// as generate. When it does not, Prisma 6.19 cannot read the schema, falls back to the native query
// engine and fails trying to download it.
process.env.DATABASE_URL = resolveDatabaseUrl();

// Turns off the CLI's update check, which sends a request to Prisma's servers.
process.env.CHECKPOINT_DISABLE ??= '1';

export default defineConfig({
  schema: path.join(__dirname, 'prisma', 'schema.prisma'),
  migrations: { path: path.join(__dirname, 'prisma', 'migrations') },
  // The WebAssembly schema engine inside the prisma package replaces the native one, which
  // would be downloaded on first use. It reaches PostgreSQL through the adapter below.
  engine: 'js',
  experimental: { adapter: true },
  adapter: async () => createPgAdapterFactory(resolveDatabaseUrl()),
});
