import { ModelError, type ModelErrorCode } from './model';

/** Maps an HTTP status from a provider to the error code the retry logic acts on. */
export function modelErrorCodeForStatus(status: number): ModelErrorCode {
  if (status === 429) {
    return 'rate_limited';
  }
  if (status === 408) {
    return 'timeout';
  }
  if (status === 401 || status === 403) {
    return 'unauthorized';
  }
  if (status >= 500) {
    return 'server_error';
  }

  return 'bad_request';
}

/** Builds the `ModelError` for an HTTP error reply from `provider`. */
export function modelErrorForStatus(
  provider: string,
  status: number,
  providerMessage: string,
  details: { retryAfterMs?: number; cause?: unknown } = {},
): ModelError {
  const message = `Provider ${provider} replied with HTTP ${status}: ${truncate(providerMessage, 500)}`;

  return new ModelError(modelErrorCodeForStatus(status), message, {
    status,
    retryAfterMs: details.retryAfterMs,
    cause: details.cause,
  });
}

function truncate(text: string, maxLength: number): string {
  const singleLine = text.replace(/\s+/g, ' ').trim();

  return singleLine.length > maxLength ? `${singleLine.slice(0, maxLength)}…` : singleLine;
}
