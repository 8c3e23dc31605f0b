import {
  startFakeProviderServer,
  type FakeModelRequest,
  type FakeProviderOptions,
  type FakeProviderServer,
  type FakeUsage,
  type FakeWireFormat,
} from './fake-provider.server';

/*
 * A fake Gemini server for both of Google's APIs:
 * - Gemini API: `POST /{version}/models/{model}:generateContent` with the key in `x-goog-api-key`
 *   (or a `key` query parameter);
 * - Vertex AI: `POST /{version}/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent`
 *   with `Authorization: Bearer …`.
 * Replies carry `candidates[0].content.parts[].text` and `usageMetadata`;
 * errors use Google's `{ error: { code, message, status } }` body.
 */

const GEMINI_API_PATH = /^\/(v1|v1beta)\/models\/([^/:]+):generateContent$/;
const VERTEX_PATH =
  /^\/(v1|v1beta1)\/projects\/[^/]+\/locations\/[^/]+\/publishers\/google\/models\/([^/:]+):generateContent$/;

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

interface GeminiPart {
  text?: string;
  thought?: boolean;
  inlineData?: { mimeType?: string; data?: string };
}

interface GeminiRequestBody {
  contents?: Array<{ role?: string; parts?: GeminiPart[] }>;
  systemInstruction?: { parts?: GeminiPart[] };
  generationConfig?: { responseJsonSchema?: Record<string, unknown>; responseSchema?: Record<string, unknown> };
}

function partTexts(parts: GeminiPart[] | undefined): string[] {
  return (parts ?? []).filter((part) => typeof part.text === 'string').map((part) => part.text ?? '');
}

function modelFromPath(path: string): string {
  const match = GEMINI_API_PATH.exec(path) ?? VERTEX_PATH.exec(path);

  return decodeURIComponent(match?.[2] ?? '');
}

function normaliseGenerateContentRequest(body: unknown, path: string): FakeModelRequest {
  const gemini = body as GeminiRequestBody;
  if (!Array.isArray(gemini.contents)) {
    throw new Error('"contents" must be an array.');
  }

  const request: FakeModelRequest = {
    model: modelFromPath(path),
    system: partTexts(gemini.systemInstruction?.parts).join('\n'),
    userTexts: [],
    assistantTexts: [],
    images: [],
    schema: gemini.generationConfig?.responseJsonSchema ?? gemini.generationConfig?.responseSchema ?? null,
  };
  for (const content of gemini.contents) {
    if (content.role === 'model') {
      request.assistantTexts.push(...partTexts(content.parts));
      continue;
    }
    request.userTexts.push(...partTexts(content.parts));
    for (const part of content.parts ?? []) {
      if (part.inlineData !== undefined) {
        request.images.push({
          mediaType: part.inlineData.mimeType ?? '',
          data: Buffer.from(part.inlineData.data ?? '', 'base64'),
        });
      }
    }
  }

  return request;
}

const geminiWireFormat: FakeWireFormat = {
  baseUrlPath: '',
  servesPath: (path) => GEMINI_API_PATH.test(path) || VERTEX_PATH.test(path),
  hasCredentials: (headers, url) => {
    if (VERTEX_PATH.test(url.pathname)) {
      return /^Bearer \S+/.test(headers.authorization ?? '');
    }
    return typeof headers['x-goog-api-key'] === 'string' || url.searchParams.has('key');
  },
  normalise: (body, path) => normaliseGenerateContentRequest(body, path),
  replyBody: (text: string, usage: FakeUsage, request: FakeModelRequest, sequence: number) => ({
    candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: {
      promptTokenCount: usage.tokensIn,
      candidatesTokenCount: usage.tokensOut,
      totalTokenCount: usage.tokensIn + usage.tokensOut,
    },
    modelVersion: request.model,
    responseId: `fake-response-${sequence}`,
  }),
  errorBody: (status, message) => ({
    error: {
      code: status,
      message,
      status: STATUS_NAMES[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION'),
    },
  }),
};

/**
 * Starts a fake Gemini API and Vertex AI server on 127.0.0.1. Give `baseUrl`
 * to @google/genai as `httpOptions.baseUrl`, or to a provider as `PROVIDER_<NAME>_BASE_URL`.
 */
export function startFakeGeminiServer(options: FakeProviderOptions = {}): Promise<FakeProviderServer> {
  return startFakeProviderServer(geminiWireFormat, options);
}
