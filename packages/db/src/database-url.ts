/** Database used when DATABASE_URL is unset: the local development server with trust authentication. */
export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/quire';

/** Returns DATABASE_URL from `environment`, or the local development default when it is unset or empty. */
export function resolveDatabaseUrl(environment: NodeJS.ProcessEnv = process.env): string {
  const configured = environment.DATABASE_URL?.trim();

  return configured ? configured : DEFAULT_DATABASE_URL;
}

function parseDatabaseUrl(databaseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    // The URL itself is left out of the message because it may contain a password.
    throw new Error('Invalid database URL: expected postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE.');
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new Error(`Invalid database URL scheme "${url.protocol}": expected postgresql: or postgres:.`);
  }

  return url;
}

/** Returns the database name in the path of `databaseUrl`. */
export function getDatabaseName(databaseUrl: string): string {
  const name = decodeURIComponent(parseDatabaseUrl(databaseUrl).pathname.replace(/^\//, ''));
  if (name === '') {
    throw new Error('Invalid database URL: the path names no database (expected .../DATABASE).');
  }

  return name;
}

/** Returns `databaseUrl` with its database replaced by `databaseName`; credentials, host and query parameters are kept. */
export function withDatabaseName(databaseUrl: string, databaseName: string): string {
  const url = parseDatabaseUrl(databaseUrl);
  url.pathname = `/${encodeURIComponent(databaseName)}`;

  return url.toString();
}

/**
 * Returns the server address of `databaseUrl` as HOST:PORT for messages, without user or password.
 * A Unix socket directory given as the `host` query parameter is shown in place of the host.
 */
export function describeDatabaseServer(databaseUrl: string): string {
  const url = parseDatabaseUrl(databaseUrl);
  const host = url.hostname || url.searchParams.get('host') || 'localhost';
  const port = url.port || url.searchParams.get('port') || '5432';

  return `${host}:${port}`;
}
