import { parseEnv, parseProviders, sharedEnvShape, type ProviderConfig } from '@quire/contracts';
import { z } from 'zod';

export const ApiConfigSchema = z.object({
  ...sharedEnvShape,
  // Loopback by default: the API has no access control yet, so exposing it is an explicit choice.
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(200 * 1024 * 1024)
    .describe('Largest accepted upload in bytes'),
});
/** Settings plus the model providers named by `PROVIDER_<NAME>_*` variables. */
export type ApiConfig = z.infer<typeof ApiConfigSchema> & { providers: ProviderConfig[] };

export const API_CONFIG = Symbol('API_CONFIG');

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return { ...parseEnv(ApiConfigSchema, env), providers: parseProviders(env) };
}
