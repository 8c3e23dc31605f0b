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

// Database that a default PostgreSQL install creates for administrative connections. CREATE DATABASE
// and DROP DATABASE must run while connected to some other database than their target, and
// template1 would not do because CREATE DATABASE copies it and fails while anyone is connected to it.
const MAINTENANCE_DATABASE = 'postgres';

// SQLSTATE codes from the PostgreSQL documentation, appendix "PostgreSQL Error Codes".
const INVALID_CATALOG_NAME = '3D000';
const DUPLICATE_DATABASE = '42P04';

/** Raised by the functions of this module when a database cannot be created, dropped or migrated. */
export class DatabaseAdminError extends Error {
  override name = 'DatabaseAdminError';
}

/** Raised when no connection to the PostgreSQL server could be opened (refused, unknown host, timed out). */
export class DatabaseServerUnreachableError extends DatabaseAdminError {
  override name = 'DatabaseServerUnreachableError';

  readonly serverAddress: string;

  constructor(serverAddress: string, cause: unknown) {
    const reason = describeConnectionFailure(cause);
    super(
      `PostgreSQL at ${serverAddress} could not be reached (${reason}). ` +
        `Start it with \`${START_POSTGRES_COMMAND}\`, or set DATABASE_URL to a running server.`,
      { cause },
    );
    this.serverAddress = serverAddress;
  }
}

// Reads properties instead of using instanceof because Node.js creates socket errors in its own
// realm, and Jest runs tests in another, where `instanceof Error` is false for them.
function describeConnectionFailure(error: unknown): string {
  if (typeof error !== 'object' || error === null) {
    return String(error);
  }

  // Node.js tries every address of a host name and reports each failure in an AggregateError.
  const { errors } = error as { errors?: unknown };
  if (Array.isArray(errors) && errors.length > 0) {
    return describeConnectionFailure(errors[0]);
  }

  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && code !== '') {
    return code;
  }

  return typeof message === 'string' ? message : String(error);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Opens a client on the maintenance database of the server in `databaseUrl`, runs `action` and
 * closes the client. Raises DatabaseServerUnreachableError when the server cannot be reached.
 */
async function withMaintenanceClient<T>(databaseUrl: string, action: (client: pg.Client) => Promise<T>): Promise<T> {
  const serverAddress = describeDatabaseServer(databaseUrl);
  const client = new pg.Client({
    connectionString: withDatabaseName(databaseUrl, MAINTENANCE_DATABASE),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });

  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    // A DatabaseError is a response from the server (authentication failed, database missing),
    // so the server is up. Any other error happened before the server responded.
    if (!(error instanceof pg.DatabaseError)) {
      throw new DatabaseServerUnreachableError(serverAddress, error);
    }
    if (error.code === INVALID_CATALOG_NAME) {
      throw new DatabaseAdminError(
        `PostgreSQL at ${serverAddress} has no database "${MAINTENANCE_DATABASE}", which is needed to create ` +
          `and drop databases. Create it with \`createdb ${MAINTENANCE_DATABASE}\`.`,
        { cause: error },
      );
    }
    // SQLSTATE class 28 is "invalid authorization specification": wrong user or password.
    const hint = error.code?.startsWith('28') ? ' Check the user and password in DATABASE_URL.' : '';
    throw new DatabaseAdminError(`Connecting to PostgreSQL at ${serverAddress} failed: ${error.message}.${hint}`, {
      cause: error,
    });
  }

  try {
    return await action(client);
  } finally {
    await client.end();
  }
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
      throw new DatabaseAdminError(
        `Creating database ${databaseName} on ${describeDatabaseServer(databaseUrl)} failed: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }

    return true;
  });
}

/** Drops the database named in `databaseUrl` if it exists, closing its open connections first (PostgreSQL 13 or newer). */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const databaseName = getDatabaseName(databaseUrl);

  await withMaintenanceClient(databaseUrl, async (client) => {
    try {
      await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(databaseName)} WITH (FORCE)`);
    } catch (error) {
      throw new DatabaseAdminError(
        `Dropping database ${databaseName} on ${describeDatabaseServer(databaseUrl)} failed: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }
  });
}

/** Options of applyMigrations. */
export interface ApplyMigrationsOptions {
  /** Repository root: the folder that contains prisma.config.ts and the node_modules with the prisma CLI. */
  repositoryRoot: string;
  /** `inherit` prints the CLI's output as it runs; `capture` keeps it for the error raised on failure. */
  output: 'inherit' | 'capture';
}

/**
 * Applies the pending migrations of prisma/migrations to the database in `databaseUrl` with
 * `prisma migrate deploy`. Raises an error with the CLI's exit status (and output, when captured)
 * if it fails or runs longer than three minutes.
 *
 * NOTE: each call takes about 10 s more than its queries. With prisma 6.19's WebAssembly schema
 * engine, `migrate deploy` leaves a 10 s timer running after it finishes, and the CLI process
 * waits for it before it exits (`migrate status` does not).
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

  const command = `prisma migrate deploy on database ${getDatabaseName(databaseUrl)}`;
  const output = options.output === 'capture' ? `\n${result.stdout ?? ''}${result.stderr ?? ''}` : '';
  if (result.error) {
    const timedOut = (result.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
    const reason = timedOut ? `timed out after ${MIGRATE_TIMEOUT_MS / 1000} s` : `failed: ${result.error.message}`;
    throw new DatabaseAdminError(`${command} ${reason}.${output}`, { cause: result.error });
  }
  if (result.status !== 0) {
    const outcome = result.signal ? `was stopped by ${result.signal}` : `exited with status ${result.status}`;
    throw new DatabaseAdminError(`${command} ${outcome}.${output}`);
  }
}
