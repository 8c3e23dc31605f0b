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
  // SDK messages often start with the status itself ("500 Internal error"), so it is removed to print the status once.
  const text = providerMessage.replace(new RegExp(`^${status}\\s+`), '');
  const message = `Provider ${provider} replied with HTTP ${status}: ${truncate(text, 500)}`;

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

/**
 * Joins the messages of an error and its causes, such as "Connection error.
 * (fetch failed: connect ECONNREFUSED 127.0.0.1:8000)", because SDKs wrap
 * the network error that names the cause.
 */
export function describeErrorChain(error: unknown): string {
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth += 1) {
    const message = current instanceof Error ? current.message : String(current);
    const code = (current as { code?: unknown }).code;
    const text = typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
    if (text && !messages.some((seen) => seen.includes(text))) {
      messages.push(text);
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  const [first = 'unknown error', ...rest] = messages;

  return rest.length > 0 ? `${first} (${rest.join(': ')})` : first;
}
