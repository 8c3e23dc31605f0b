import { z } from 'zod';

/**
 * Settings read by both the API and the worker. Defaults fit one machine with
 * PostgreSQL and Redis on loopback.
 */
export const sharedEnvShape = {
  DATABASE_URL: z.url().default('postgresql://postgres@127.0.0.1:5432/quire'),
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "-" and "_" only')
    .default('quire'),
  BLOB_DIR: z.string().optional().describe('Blob folder; relative paths are taken from the repository root'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
};

/**
 * Parses environment variables with `schema`. The error names each invalid
 * variable and what it expects, never the value, because values may be secrets.
 */
export function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  const result = schema.safeParse(env);
  if (result.success) {
    return result.data;
  }

  const problems = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  throw new Error(`Invalid configuration:\n${problems.join('\n')}`);
}

export interface RedisConnectionOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls?: Record<string, never>;
}

/** Turns a `redis://` or `rediss://` URL into the options ioredis and BullMQ take. */
export function redisConnectionOptions(redisUrl: string): RedisConnectionOptions {
  const url = new URL(redisUrl);
  const database = url.pathname.replace(/^\//, '');

  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 6379,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    db: database ? Number(database) : 0,
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** Prints a URL without its password, for logs and error messages. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) {
      url.password = '***';
    }
    return url.toString();
  } catch {
    return '(unparseable URL)';
  }
}
