import {
  ModelParametersSchema,
  redactUrl,
  type ModelProfileView,
  type ProviderConfig,
  type ProviderView,
} from '@quire/contracts';
import type { ModelProfile } from '@quire/db';

export function toModelProfileView(profile: ModelProfile): ModelProfileView {
  return {
    id: profile.id,
    name: profile.name,
    provider: profile.provider,
    model: profile.model,
    prompt: profile.prompt ?? '',
    outputSchema: (profile.outputSchema as Record<string, unknown> | null) ?? null,
    parameters: ModelParametersSchema.parse(profile.parameters ?? {}),
    priceInPerMillionUsd: decimalOrNull(profile.priceInPerMillionUsd),
    priceOutPerMillionUsd: decimalOrNull(profile.priceOutPerMillionUsd),
    createdAt: profile.createdAt.toISOString(),
    updatedAt: profile.updatedAt.toISOString(),
  };
}

/** Maps a provider to its public view: endpoint and limits, never its credentials. */
export function toProviderView(provider: ProviderConfig): ProviderView {
  return {
    name: provider.name,
    type: provider.type,
    // A base URL may carry a password (http://user:password@host/v1).
    baseUrl: provider.baseUrl === undefined ? null : redactUrl(provider.baseUrl),
    maxConcurrency: provider.maxConcurrency,
    requestsPerMinute: provider.requestsPerMinute,
    timeoutMs: provider.timeoutMs,
    maxRetries: provider.maxRetries,
  };
}

function decimalOrNull(value: { toString(): string } | null): number | null {
  return value === null ? null : Number(value.toString());
}
