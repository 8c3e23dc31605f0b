import { z } from 'zod';

/**
 * Model providers are named in the environment, one group of variables per
 * provider: `PROVIDER_<NAME>_TYPE` declares provider `<name>` (lower case,
 * `_` read as `-`), and the other `PROVIDER_<NAME>_*` variables configure it.
 * Profiles in the database refer to providers by name only, so credentials
 * never reach PostgreSQL, Redis or a job payload.
 */

export const ProviderType = z.enum(['openai', 'gemini', 'vertex']);
export type ProviderType = z.infer<typeof ProviderType>;

export const PROVIDER_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;

const positiveInt = z.coerce.number().int().positive();

const providerBase = {
  name: z.string().regex(PROVIDER_NAME_PATTERN),
  /** Requests in flight at once, across every worker process. */
  maxConcurrency: positiveInt.default(4),
  /** Requests started per minute, across every worker process. */
  requestsPerMinute: positiveInt.default(60),
  /** Limit for one HTTP request; a longer request counts as a timeout. */
  timeoutMs: positiveInt.default(120_000),
  /** Retries after a 429, a 5xx or a timeout, with exponential backoff and jitter. */
  maxRetries: z.coerce.number().int().min(0).max(10).default(4),
};

export const OpenAiProviderConfig = z.object({
  ...providerBase,
  type: z.literal('openai'),
  /** OpenAI-compatible base URL ending in `/v1`; omitted for OpenAI itself. */
  baseUrl: z.url().optional(),
  apiKey: z.string().min(1).optional(),
});

export const GeminiProviderConfig = z.object({
  ...providerBase,
  type: z.literal('gemini'),
  apiKey: z.string().min(1),
  baseUrl: z.url().optional(),
});

export const VertexProviderConfig = z.object({
  ...providerBase,
  type: z.literal('vertex'),
  project: z.string().min(1),
  location: z.string().min(1).default('us-central1'),
  baseUrl: z.url().optional(),
  /**
   * A ready OAuth access token. Without it, Google's Application Default
   * Credentials are used (`GOOGLE_APPLICATION_CREDENTIALS`).
   */
  accessToken: z.string().min(1).optional(),
});

export const ProviderConfig = z.discriminatedUnion('type', [
  OpenAiProviderConfig,
  GeminiProviderConfig,
  VertexProviderConfig,
]);
export type ProviderConfig = z.infer<typeof ProviderConfig>;

/** Environment suffixes and the config field each sets. */
const VARIABLE_FIELDS: Record<string, string> = {
  TYPE: 'type',
  BASE_URL: 'baseUrl',
  API_KEY: 'apiKey',
  PROJECT: 'project',
  LOCATION: 'location',
  ACCESS_TOKEN: 'accessToken',
  MAX_CONCURRENCY: 'maxConcurrency',
  REQUESTS_PER_MINUTE: 'requestsPerMinute',
  TIMEOUT_MS: 'timeoutMs',
  MAX_RETRIES: 'maxRetries',
};
const SECRET_FIELDS = new Set(['apiKey', 'accessToken']);

/**
 * Reads every `PROVIDER_<NAME>_*` group from `env`. Errors name the variable
 * and what it expects, never its value.
 */
export function parseProviders(env: Record<string, string | undefined>): ProviderConfig[] {
  const groups = new Map<string, Record<string, string>>();
  const problems: string[] = [];

  for (const [variable, value] of Object.entries(env)) {
    const match =
      /^PROVIDER_([A-Z0-9_]+?)_(TYPE|BASE_URL|API_KEY|PROJECT|LOCATION|ACCESS_TOKEN|MAX_CONCURRENCY|REQUESTS_PER_MINUTE|TIMEOUT_MS|MAX_RETRIES)$/.exec(
        variable,
      );
    if (!match || value === undefined || value === '') {
      continue;
    }
    const [, rawName = '', suffix = ''] = match;
    const group = groups.get(rawName) ?? {};
    group[VARIABLE_FIELDS[suffix] ?? suffix] = value;
    groups.set(rawName, group);
  }

  const providers: ProviderConfig[] = [];
  for (const [rawName, fields] of groups) {
    const prefix = `PROVIDER_${rawName}_`;
    if (fields.type === undefined) {
      problems.push(`  ${prefix}TYPE: missing; set it to one of ${ProviderType.options.join(', ')}`);
      continue;
    }
    const name = rawName.toLowerCase().replaceAll('_', '-');
    const parsed = ProviderConfig.safeParse({ ...fields, name });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? 'type');
        const suffix = Object.entries(VARIABLE_FIELDS).find(([, value]) => value === field)?.[0] ?? 'TYPE';
        problems.push(`  ${prefix}${suffix}: ${describeIssue(issue, field, fields.type)}`);
      }
      continue;
    }
    if (parsed.data.type === 'openai' && parsed.data.apiKey === undefined && parsed.data.baseUrl === undefined) {
      problems.push(`  ${prefix}API_KEY: required when ${prefix}BASE_URL is not set (OpenAI itself needs a key)`);
      continue;
    }
    providers.push(parsed.data);
  }

  if (problems.length > 0) {
    throw new Error(`Invalid provider configuration:\n${problems.join('\n')}`);
  }

  return providers.sort((left, right) => left.name.localeCompare(right.name));
}

/** Explains one invalid provider variable without repeating its value, which may be a secret. */
function describeIssue(issue: z.core.$ZodIssue, field: string, type: string): string {
  if (field === 'type') {
    return `must be one of ${ProviderType.options.join(', ')}`;
  }
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
    return `missing; required for type ${type}`;
  }

  return SECRET_FIELDS.has(field) ? 'invalid value' : issue.message;
}

/** Names the environment variable that sets `suffix` (such as `TYPE` or `BASE_URL`) for provider `name`. */
export function providerVariableName(name: string, suffix: string): string {
  return `PROVIDER_${name.toUpperCase().replaceAll('-', '_')}_${suffix}`;
}

/** BullMQ queue that carries one provider's model steps, so its limits apply across every worker. */
export function modelQueueName(providerName: string): string {
  return `model-${providerName}`;
}
