// Creates, drops and migrates whole databases. Used by `npm run db:migrate` (run by Node.js directly,
// so relative imports carry their .ts extension and the syntax stays erasable) and by the Jest
// global setup.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';

import { describeDatabaseServer, getDatabaseName, withDatabaseName } from './database-url.ts';

/** Shell command that starts the local PostgreSQL cluster on Debian machines. */
export const START_POSTGRES_COMMAND = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

const CONNECT_TIMEOUT_MS = 10_000;
const MIGRATE_TIMEOUT_MS = 180_000;

// Databases that exist on every PostgreSQL server and accept CREATE DATABASE and DROP DATABASE
// for other databases; template1 is the fallback where `postgres` was dropped.
const MAINTENANCE_DATABASES = ['postgres', 'template1'];

// SQLSTATE codes from the PostgreSQL documentation, appendix "PostgreSQL Error Codes".
const INVALID_CATALOG_NAME = '3D000';
const DUPLICATE_DATABASE = '42P04';

/** Raised when no connection to the PostgreSQL server could be opened (refused, unknown host, timed out). */
export class DatabaseServerUnreachableError extends Error {
  readonly serverAddress: string;

  constructor(serverAddress: string, cause: unknown) {
    const reason = describeConnectionFailure(cause);
    super(
      `PostgreSQL at ${serverAddress} could not be reached (${reason}). ` +
        `Start it with \`${START_POSTGRES_COMMAND}\`, or set DATABASE_URL to a running server.`,
      { cause },
    );
    this.name = 'DatabaseServerUnreachableError';
    this.serverAddress = serverAddress;
  }
}

function describeConnectionFailure(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    // Node.js tries every address of a host name and reports each failure in an AggregateError.
    return describeConnectionFailure(error.errors[0]);
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;

    return code ? code : error.message;
  }

  return String(error);
}

/**
 * Opens a client on a maintenance database of the server in `databaseUrl`, runs `action` and
 * closes the client. Raises DatabaseServerUnreachableError when the server cannot be reached.
 */
async function withMaintenanceClient<T>(databaseUrl: string, action: (client: pg.Client) => Promise<T>): Promise<T> {
  const serverAddress = describeDatabaseServer(databaseUrl);
  let lastError: unknown;

  for (const maintenanceDatabase of MAINTENANCE_DATABASES) {
    const client = new pg.Client({
      connectionString: withDatabaseName(databaseUrl, maintenanceDatabase),
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      // A DatabaseError is an answer from the server (authentication failed, database missing),
      // so the server is up; anything else failed before the server answered.
      if (!(error instanceof pg.DatabaseError)) {
        throw new DatabaseServerUnreachableError(serverAddress, error);
      }
      if (error.code === INVALID_CATALOG_NAME) {
        lastError = error;
        continue;
      }
      throw new Error(`Connecting to PostgreSQL at ${serverAddress} failed: ${error.message}`, { cause: error });
    }

    try {
      return await action(client);
    } finally {
      await client.end();
    }
  }

  throw new Error(
    `PostgreSQL at ${serverAddress} has none of the maintenance databases ${MAINTENANCE_DATABASES.join(', ')}, ` +
      'so databases cannot be created or dropped there.',
    { cause: lastError },
  );
}

/** Creates the database named in `databaseUrl` unless it exists; returns whether it was created. */
export async function createDatabaseIfMissing(databaseUrl: string): Promise<boolean> {
  const databaseName = getDatabaseName(databaseUrl);

  return withMaintenanceClient(databaseUrl, async (client) => {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName]);
    if (existing.rowCount !== 0) {
      return false;
    }

    try {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(databaseName)}`);
    } catch (error) {
      // Another process created it between the check and CREATE DATABASE.
      if (error instanceof pg.DatabaseError && error.code === DUPLICATE_DATABASE) {
        return false;
      }
      throw error;
    }

    return true;
  });
}

/** Drops the database named in `databaseUrl` if it exists, closing its open connections first (PostgreSQL 13 or newer). */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const databaseName = getDatabaseName(databaseUrl);

  await withMaintenanceClient(databaseUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(databaseName)} WITH (FORCE)`);
  });
}

/** Options of applyMigrations. */
export interface ApplyMigrationsOptions {
  /** Repository root: the folder of prisma.config.ts and of the node_modules that holds the prisma CLI. */
  repositoryRoot: string;
  /** `inherit` prints the CLI's output as it runs; `capture` keeps it for the error raised on failure. */
  output: 'inherit' | 'capture';
}

/**
 * Applies the pending migrations of prisma/migrations to the database in `databaseUrl` with
 * `prisma migrate deploy`. Raises an error with the CLI's exit status (and output, when captured)
 * if it fails or runs longer than three minutes.
 */
export function applyMigrations(databaseUrl: string, options: ApplyMigrationsOptions): void {
  const requireFromRoot = createRequire(path.join(options.repositoryRoot, 'package.json'));
  const prismaCli = requireFromRoot.resolve('prisma/build/index.js');
  const configPath = path.join(options.repositoryRoot, 'prisma.config.ts');

  const result = spawnSync(process.execPath, [prismaCli, 'migrate', 'deploy', '--config', configPath], {
    cwd: options.repositoryRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl, CHECKPOINT_DISABLE: '1' },
    stdio: options.output === 'inherit' ? 'inherit' : 'pipe',
    encoding: 'utf8',
    timeout: MIGRATE_TIMEOUT_MS,
  });

  if (result.error) {
    throw new Error(`Running prisma migrate deploy on database ${getDatabaseName(databaseUrl)} failed: ${result.error.message}`, {
      cause: result.error,
    });
  }
  if (result.status !== 0) {
    const output = options.output === 'capture' ? `\n${result.stdout}${result.stderr}` : '';
    const outcome = result.signal ? `was stopped by ${result.signal}` : `exited with status ${result.status}`;
    throw new Error(`prisma migrate deploy on database ${getDatabaseName(databaseUrl)} ${outcome}.${output}`);
  }
}
