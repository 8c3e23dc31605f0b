import {
  ApiError,
  GoogleGenAI,
  type Content,
  type GenerateContentConfig,
  type GenerateContentResponse,
  type GoogleGenAIOptions,
  type Part,
} from '@google/genai';
import { providerVariableName, type ProviderConfig } from '@quire/contracts';
import { OAuth2Client } from 'google-auth-library';

import {
  ModelError,
  type ModelCallOptions,
  type ModelMessage,
  type ModelRequest,
  type ModelResult,
  type TextModel,
  type VisionModel,
} from './model';
import { assertTextRequest, assertVisionRequest } from './model-request';
import { parseRetryAfterMs, type ModelRetryTiming } from './model-retry';
import { generateWithRetries, sendWithinTimeout, type ProviderReply } from './provider-call';
import { describeErrorChain, modelErrorForStatus } from './provider-error';

export type GeminiProviderConfig = Extract<ProviderConfig, { type: 'gemini' | 'vertex' }>;

/** API versions in request paths; @google/genai 3.3 would default to `v1` (Gemini API) and `v1beta1` (Vertex AI). */
export const GEMINI_API_VERSION = 'v1beta';
export const VERTEX_API_VERSION = 'v1';

/**
 * Expiry given to a configured Vertex access token. The token cannot be
 * refreshed (there is no refresh token), so a far date keeps the auth library
 * from trying; Vertex itself rejects the token once it has really expired.
 */
const ACCESS_TOKEN_EXPIRY = Date.UTC(9999, 0, 1);

type GenAiAuthClient = NonNullable<NonNullable<GoogleGenAIOptions['googleAuthOptions']>['authClient']>;

/** Builds the @google/genai client options for the Gemini API (API key) or Vertex AI (project and location). */
export function buildGenAiOptions(config: GeminiProviderConfig): GoogleGenAIOptions {
  const httpOptions = config.baseUrl === undefined ? undefined : { baseUrl: config.baseUrl };
  if (config.type === 'gemini') {
    // vertexai: false is explicit so GOOGLE_GENAI_USE_VERTEXAI cannot switch the backend.
    return { vertexai: false, apiKey: config.apiKey, apiVersion: GEMINI_API_VERSION, httpOptions };
  }

  const options: GoogleGenAIOptions = {
    vertexai: true,
    project: config.project,
    location: config.location,
    apiVersion: VERTEX_API_VERSION,
    httpOptions,
  };
  if (config.accessToken !== undefined) {
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: config.accessToken, expiry_date: ACCESS_TOKEN_EXPIRY });
    // @google/genai 3.3 is typed against its own google-auth-library 10 while
    // this package uses 11. GoogleAuth only calls getRequestHeaders(url) on a
    // client given as authClient, which both versions implement alike.
    options.googleAuthOptions = { authClient: authClient as unknown as GenAiAuthClient };
  }
  // Without an access token, GoogleAuth finds Application Default Credentials
  // (GOOGLE_APPLICATION_CREDENTIALS, or the metadata server unless
  // METADATA_SERVER_DETECTION=none).

  return options;
}

/** Text and vision models on the Gemini API or on Vertex AI, through @google/genai. */
export class GeminiModel implements TextModel, VisionModel {
  readonly provider: string;
  private readonly client: GoogleGenAI;

  constructor(
    private readonly config: GeminiProviderConfig,
    private readonly retryTiming: ModelRetryTiming = {},
  ) {
    this.provider = config.name;
    // No httpOptions.retryOptions: the SDK then sends each request once and
    // callWithRetries does the retrying.
    this.client = new GoogleGenAI(buildGenAiOptions(config));
  }

  async generateText(request: ModelRequest, options: ModelCallOptions): Promise<ModelResult> {
    assertTextRequest(request);

    return this.generate(request, options);
  }

  async generateFromImage(request: ModelRequest, options: ModelCallOptions): Promise<ModelResult> {
    assertVisionRequest(request);

    return this.generate(request, options);
  }

  private async generate(request: ModelRequest, options: ModelCallOptions): Promise<ModelResult> {
    return generateWithRetries(request, options, { ...this.retryTiming, maxRetries: this.config.maxRetries }, () =>
      this.send(request, options),
    );
  }

  /** Sends one request, bounded by `options.timeoutMs` and the caller's signal. */
  private async send(request: ModelRequest, options: ModelCallOptions): Promise<ProviderReply> {
    // ApiError keeps only the status, so a wrapped fetch keeps the headers for Retry-After.
    // NOTE: with a fetch of its own the SDK no longer lifts undici's 300 s
    // headers timeout, so a timeoutMs above 300000 ends as a failed request.
    let lastHeaders: Headers | undefined;
    let requestSent = false;
    const fetchKeepingHeaders: typeof fetch = async (input, init) => {
      requestSent = true;
      const response = await fetch(input, init);
      lastHeaders = response.headers;
      return response;
    };

    const response = await sendWithinTimeout(
      this.provider,
      options,
      (signal) =>
        this.client.models.generateContent({
          model: request.model,
          contents: request.messages.map(toContent),
          config: buildGenerateContentConfig(request, { abortSignal: signal, fetch: fetchKeepingHeaders }),
        }),
      (error) => geminiErrorToModelError(this.provider, error, { headers: lastHeaders, requestSent }),
    );

    return readGeminiResponse(this.provider, response);
  }
}

/** Builds the generation config: system text, sampling parameters and, with a schema, JSON output. */
export function buildGenerateContentConfig(
  request: ModelRequest,
  transport: { abortSignal: AbortSignal; fetch: typeof fetch },
): GenerateContentConfig {
  const parameters = request.parameters ?? {};
  const config: GenerateContentConfig = {
    systemInstruction: request.system,
    abortSignal: transport.abortSignal,
    httpOptions: { fetch: transport.fetch },
    temperature: parameters.temperature,
    topP: parameters.topP,
    maxOutputTokens: parameters.maxOutputTokens,
    seed: parameters.seed,
  };
  if (request.outputSchema !== undefined) {
    // responseJsonSchema takes standard JSON Schema; responseSchema would take
    // only the OpenAPI subset that Gemini used before.
    config.responseMimeType = 'application/json';
    config.responseJsonSchema = request.outputSchema;
  }

  return config;
}

function toContent(message: ModelMessage): Content {
  const parts: Part[] = message.parts.map((part) =>
    part.type === 'text'
      ? { text: part.text }
      : { inlineData: { mimeType: part.mediaType, data: part.data.toString('base64') } },
  );

  return { role: message.role === 'assistant' ? 'model' : 'user', parts };
}

/**
 * Reads the reply text (thought parts left out), model and usage. Thinking
 * tokens count as output because Google bills them as output. A response
 * without candidates means the prompt itself was blocked, which no retry changes.
 */
export function readGeminiResponse(provider: string, response: GenerateContentResponse): ProviderReply {
  const candidate = response.candidates?.[0];
  if (candidate === undefined) {
    const reason = response.promptFeedback?.blockReason ?? 'no reason given';
    throw new ModelError('bad_request', `Provider ${provider} returned no candidates (prompt blocked: ${reason}).`);
  }
  const text = (candidate.content?.parts ?? [])
    .filter((part) => typeof part.text === 'string' && part.thought !== true)
    .map((part) => part.text)
    .join('');
  const metadata = response.usageMetadata;

  return {
    text,
    model: response.modelVersion,
    finishReason: candidate.finishReason ?? null,
    usage: {
      tokensIn: metadata?.promptTokenCount ?? 0,
      tokensOut: (metadata?.candidatesTokenCount ?? 0) + (metadata?.thoughtsTokenCount ?? 0),
    },
  };
}

/**
 * Turns an error thrown by @google/genai into a `ModelError`. `headers` are
 * those of the failed response; `requestSent` is false when the SDK failed
 * before sending, such as when Google's auth library found no credentials.
 */
export function geminiErrorToModelError(
  provider: string,
  error: unknown,
  context: { headers?: Headers; requestSent: boolean },
): ModelError {
  if (error instanceof ModelError) {
    return error;
  }
  if (error instanceof ApiError) {
    return modelErrorForStatus(provider, error.status, readApiErrorMessage(error.message), {
      retryAfterMs: parseRetryAfterMs(context.headers),
      cause: error,
    });
  }

  const reason = error instanceof Error ? error.message : String(error);
  if (!context.requestSent) {
    const credentials = /credential|auth|token/i.test(reason);
    const message = credentials
      ? `No usable Google credentials for provider ${provider}: ${reason} Set ${providerVariableName(provider, 'ACCESS_TOKEN')} or GOOGLE_APPLICATION_CREDENTIALS.`
      : `The request to provider ${provider} could not be built: ${reason}`;
    return new ModelError(credentials ? 'unauthorized' : 'bad_request', message, { cause: error });
  }
  // Connection refused or reset, or a body that is not JSON: a later attempt may get through.
  return new ModelError('server_error', `The request to provider ${provider} failed: ${describeErrorChain(error)}`, {
    cause: error,
  });
}

/** ApiError's message is the JSON error body; this returns its `error.message` when there is one. */
function readApiErrorMessage(message: string): string {
  try {
    const body = JSON.parse(message) as { error?: { message?: unknown } };
    return typeof body.error?.message === 'string' ? body.error.message : message;
  } catch {
    return message;
  }
}
