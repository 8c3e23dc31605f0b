import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An image as the fake server decoded it from a request. */
export interface FakeImage {
  mediaType: string;
  data: Buffer;
}

/** A model request read from either provider's wire format. */
export interface FakeModelRequest {
  model: string;
  /** System instructions, parts joined with a newline. */
  system: string;
  /** Text of each user message, in order; a message with several text parts gives one entry per part. */
  userTexts: string[];
  /** Text of each earlier assistant (or Gemini `model`) message, in order. */
  assistantTexts: string[];
  images: FakeImage[];
  /** JSON Schema the client asked the reply to match, or null. */
  schema: Record<string, unknown> | null;
}

export interface FakeRecordedRequest {
  method: string;
  /** URL path without the query string. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The body as received. */
  rawBody: string;
  /** `Date.now()` when the request arrived. */
  receivedAt: number;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: unknown;
  /** The request read from the wire format, or null for an unknown path or a malformed body. */
  normalised: FakeModelRequest | null;
}

export interface FakeUsage {
  tokensIn: number;
  tokensOut: number;
}

/** Behaviour of the server for one model request. */
export type FakeBehaviour =
  /** Replies with `text` as the model's output. Without `usage`, tokens are counted as words (images 258 each). */
  | { kind: 'reply'; text: string; usage?: FakeUsage; delayMs?: number }
  /** HTTP 429 with the given `Retry-After` (seconds or HTTP date) and `retry-after-ms` headers. */
  | { kind: 'rate-limit'; retryAfter?: string; retryAfterMs?: string }
  /** HTTP 500, or another status given. */
  | { kind: 'server-error'; status?: number }
  /** Any HTTP error status with the provider's JSON error body. */
  | { kind: 'http-error'; status: number; message: string }
  /** Sends nothing until the client gives up, the server closes or the hang limit passes. */
  | { kind: 'hang' }
  /** HTTP 200 with a body that is not JSON, like an HTML page from a misconfigured proxy. */
  | { kind: 'non-json'; body: string };

/** Decides the reply to requests that no enqueued behaviour covers: a reply text, or any behaviour. */
export type FakeResponder = (request: FakeModelRequest) => string | FakeBehaviour;

export interface FakeProviderServer {
  /** The URL to give the SDK as its base URL. */
  readonly baseUrl: string;
  /** Every request received, in order, including those to unknown paths. */
  readonly requests: FakeRecordedRequest[];
  /** Maximum number of model requests open at once, so tests can check a client's concurrency limit. */
  readonly maxInFlight: number;
  /** Queues behaviours for the next model requests, one each, before the responder applies again. */
  enqueue(...behaviours: FakeBehaviour[]): void;
  /** Replaces the responder used when the queue is empty. */
  respondWith(responder: FakeResponder): void;
  /** Ends hanging requests and open connections, then stops listening. */
  close(): Promise<void>;
}

export interface FakeProviderOptions {
  /** Time after which a hanging request's connection is destroyed, in milliseconds. Default 30 000. */
  hangLimitMs?: number;
  /** Replies to requests that no enqueued behaviour covers. Default: `{}` when a schema is requested, else `Fake reply.` */
  responder?: FakeResponder;
  /** Delay before every reply that does not set its own, in milliseconds. Default 0. */
  replyDelayMs?: number;
}

/** Provider-specific parts of a fake server: routes, credentials and the JSON of requests, replies and errors. */
export interface FakeWireFormat {
  /** Path prefix of `baseUrl`, such as `/v1`, or an empty string. */
  baseUrlPath: string;
  /** Returns whether a POST to `path` is a model request this provider serves. */
  servesPath(path: string): boolean;
  /** Returns whether the request carries the credential this provider expects; its value is not checked. */
  hasCredentials(headers: IncomingHttpHeaders, url: URL): boolean;
  /** Reads a model request; throws an Error whose message becomes a 400 reply for a malformed body. */
  normalise(body: unknown, path: string): FakeModelRequest;
  replyBody(text: string, usage: FakeUsage, request: FakeModelRequest, sequence: number): unknown;
  errorBody(status: number, message: string): unknown;
}

const DEFAULT_HANG_LIMIT_MS = 30_000;
const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Tokens counted for one image; Gemini bills a small image at 258. */
const TOKENS_PER_IMAGE = 258;

export const defaultFakeResponder: FakeResponder = (request) => (request.schema === null ? 'Fake reply.' : '{}');

function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => word.length > 0).length;
}

/** Counts fake tokens: one per word, and 258 per image. Deterministic, so tests can assert sums. */
export function countFakeUsage(request: FakeModelRequest, replyText: string): FakeUsage {
  const words = [request.system, ...request.userTexts, ...request.assistantTexts].map(countWords);

  return {
    tokensIn: words.reduce((sum, count) => sum + count, 0) + request.images.length * TOKENS_PER_IMAGE,
    tokensOut: countWords(replyText),
  };
}

/** Decodes a `data:<media type>;base64,<data>` URL. */
export function decodeDataUrl(url: string): FakeImage {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (match === null) {
    throw new Error(`Image URL must be a base64 data URL, got "${url.slice(0, 40)}".`);
  }

  return { mediaType: match[1] ?? '', data: Buffer.from(match[2] ?? '', 'base64') };
}

function readBody(request: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
      }
    });
    request.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}

/**
 * Starts an HTTP server on 127.0.0.1 (port chosen by the system) that speaks
 * `wire`. Model requests take the next enqueued behaviour, or the responder's
 * when the queue is empty.
 */
export async function startFakeProviderServer(
  wire: FakeWireFormat,
  options: FakeProviderOptions = {},
): Promise<FakeProviderServer> {
  const hangLimitMs = options.hangLimitMs ?? DEFAULT_HANG_LIMIT_MS;
  const requests: FakeRecordedRequest[] = [];
  const queue: FakeBehaviour[] = [];
  const hangTimers = new Set<NodeJS.Timeout>();
  let responder = options.responder ?? defaultFakeResponder;
  let sequence = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  const hang = (response: ServerResponse): void => {
    const timer = setTimeout(() => response.socket?.destroy(), hangLimitMs);
    timer.unref();
    hangTimers.add(timer);
    response.on('close', () => {
      clearTimeout(timer);
      hangTimers.delete(timer);
    });
  };

  const act = (response: ServerResponse, behaviour: FakeBehaviour, normalised: FakeModelRequest): void => {
    switch (behaviour.kind) {
      case 'reply': {
        const usage = behaviour.usage ?? countFakeUsage(normalised, behaviour.text);
        sequence += 1;
        const body = wire.replyBody(behaviour.text, usage, normalised, sequence);
        const delayMs = behaviour.delayMs ?? options.replyDelayMs ?? 0;
        if (delayMs > 0) {
          setTimeout(() => sendJson(response, 200, body), Math.min(delayMs, hangLimitMs));
        } else {
          sendJson(response, 200, body);
        }
        return;
      }
      case 'rate-limit': {
        const headers: Record<string, string> = {};
        if (behaviour.retryAfter !== undefined) {
          headers['retry-after'] = behaviour.retryAfter;
        }
        if (behaviour.retryAfterMs !== undefined) {
          headers['retry-after-ms'] = behaviour.retryAfterMs;
        }
        sendJson(response, 429, wire.errorBody(429, 'Rate limit reached; retry later.'), headers);
        return;
      }
      case 'server-error': {
        const status = behaviour.status ?? 500;
        sendJson(response, status, wire.errorBody(status, 'The fake server failed on purpose.'));
        return;
      }
      case 'http-error':
        sendJson(response, behaviour.status, wire.errorBody(behaviour.status, behaviour.message));
        return;
      case 'hang':
        hang(response);
        return;
      case 'non-json':
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end(behaviour.body);
        return;
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const rawBody = await readBody(request);
    const record: FakeRecordedRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      headers: request.headers,
      rawBody: rawBody ?? '',
      receivedAt: Date.now(),
      body: undefined,
      normalised: null,
    };
    requests.push(record);

    if (record.method !== 'POST' || !wire.servesPath(url.pathname)) {
      sendJson(response, 404, wire.errorBody(404, `No route for ${record.method} ${url.pathname} on this server.`));
      return;
    }
    if (rawBody === null) {
      sendJson(response, 413, wire.errorBody(413, `Request body is larger than ${MAX_BODY_BYTES} bytes.`));
      return;
    }
    if (!wire.hasCredentials(request.headers, url)) {
      sendJson(response, 401, wire.errorBody(401, 'Request is missing its credentials.'));
      return;
    }
    let normalised: FakeModelRequest;
    try {
      record.body = JSON.parse(rawBody);
      normalised = wire.normalise(record.body, url.pathname);
      record.normalised = normalised;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      sendJson(response, 400, wire.errorBody(400, `Invalid request body: ${reason}`));
      return;
    }

    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    response.on('close', () => {
      inFlight -= 1;
    });
    const chosen = queue.shift() ?? responder(normalised);
    act(response, typeof chosen === 'string' ? { kind: 'reply', text: chosen } : chosen, normalised);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      if (!response.headersSent) {
        sendJson(response, 500, wire.errorBody(500, `Fake server error: ${reason}`));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}${wire.baseUrlPath}`,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    enqueue: (...behaviours) => {
      queue.push(...behaviours);
    },
    respondWith: (next) => {
      responder = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of hangTimers) {
          clearTimeout(timer);
        }
        hangTimers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive and hanging connections would otherwise keep close() waiting.
        server.closeAllConnections();
      }),
  };
}
