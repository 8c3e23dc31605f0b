import OpenAI from 'openai';
import type {
  ChatCompletion,
  ChatCompletionContentPart,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { providerVariableName, redactUrl, type ProviderConfig } from '@quire/contracts';

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
import { generateWithRetries, providerTimeoutError, sendWithinTimeout, type ProviderReply } from './provider-call';
import { describeErrorChain, modelErrorForStatus } from './provider-error';

export type OpenAiProviderConfig = Extract<ProviderConfig, { type: 'openai' }>;

/**
 * Sent as the bearer token to an OpenAI-compatible server configured without
 * an API key (a local vLLM or Ollama), because the SDK refuses to start
 * without one. Such servers ignore the header.
 */
export const NO_API_KEY_PLACEHOLDER = 'no-api-key';

const SDK_TIMEOUT_MARGIN_MS = 1_000;

/**
 * Text and vision models behind `POST /v1/chat/completions`: OpenAI itself and
 * servers that copy its API (vLLM, Ollama, TGI).
 */
export class OpenAiCompatibleModel implements TextModel, VisionModel {
  readonly provider: string;
  private readonly client: OpenAI;

  constructor(
    private readonly config: OpenAiProviderConfig,
    private readonly retryTiming: ModelRetryTiming = {},
  ) {
    this.provider = config.name;
    // Every option the SDK would otherwise read from OPENAI_* variables is set
    // here, so the provider's configuration is the only source.
    this.client = new OpenAI({
      apiKey: config.apiKey ?? NO_API_KEY_PLACEHOLDER,
      baseURL: config.baseUrl ?? null,
      organization: null,
      project: null,
      // callWithRetries retries instead, so that usage and request counts cover every attempt.
      maxRetries: 0,
    });
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
    const body = buildChatCompletionBody(request, { useMaxCompletionTokens: this.config.baseUrl === undefined });

    return generateWithRetries(request, options, { ...this.retryTiming, maxRetries: this.config.maxRetries }, () =>
      this.send(body, options),
    );
  }

  /** Sends one request, bounded by `options.timeoutMs` and the caller's signal. */
  private async send(body: ChatCompletionCreateParamsNonStreaming, options: ModelCallOptions): Promise<ProviderReply> {
    const completion = await sendWithinTimeout(
      this.provider,
      options,
      (signal) =>
        this.client.chat.completions.create(body, {
          // The SDK's own timer is only a backstop, set later than sendWithinTimeout's.
          timeout: options.timeoutMs + SDK_TIMEOUT_MARGIN_MS,
          signal,
        }),
      (error) => openAiErrorToModelError(this.provider, error, { ...options, baseUrl: this.config.baseUrl }),
    );

    return readCompletion(this.provider, completion);
  }
}

/**
 * Reads the reply text, model and usage from a completion. A body without
 * choices (a proxy's HTML page served with status 200, for example) is a
 * retryable server error.
 */
export function readCompletion(provider: string, completion: unknown): ProviderReply {
  const parsed = completion as Partial<ChatCompletion> | string | null | undefined;
  const choice = typeof parsed === 'object' && parsed !== null ? parsed.choices?.[0] : undefined;
  if (typeof parsed !== 'object' || parsed === null || choice === undefined) {
    const preview = typeof parsed === 'string' ? ` It began: ${parsed.replace(/\s+/g, ' ').slice(0, 200)}` : '';
    throw new ModelError(
      'server_error',
      `Provider ${provider} returned a body that is not a chat completion (no "choices"); check that ` +
        `${providerVariableName(provider, 'BASE_URL')} is an OpenAI-compatible endpoint ending in /v1.${preview}`,
    );
  }

  return {
    text: choice.message?.content ?? choice.message?.refusal ?? '',
    model: typeof parsed.model === 'string' ? parsed.model : undefined,
    finishReason: choice.finish_reason ?? null,
    usage: {
      tokensIn: parsed.usage?.prompt_tokens ?? 0,
      tokensOut: parsed.usage?.completion_tokens ?? 0,
    },
  };
}

/**
 * Builds the chat completion request. OpenAI's current models reject
 * `max_tokens` in favour of `max_completion_tokens`, which older
 * OpenAI-compatible servers do not know, so the field depends on the target.
 */
export function buildChatCompletionBody(
  request: ModelRequest,
  options: { useMaxCompletionTokens: boolean },
): ChatCompletionCreateParamsNonStreaming {
  const body: ChatCompletionCreateParamsNonStreaming = {
    model: request.model,
    messages: [{ role: 'system', content: request.system }, ...request.messages.map(toChatMessage)],
  };
  const parameters = request.parameters ?? {};
  if (parameters.temperature !== undefined) {
    body.temperature = parameters.temperature;
  }
  if (parameters.topP !== undefined) {
    body.top_p = parameters.topP;
  }
  if (parameters.seed !== undefined) {
    body.seed = parameters.seed;
  }
  if (parameters.maxOutputTokens !== undefined) {
    if (options.useMaxCompletionTokens) {
      body.max_completion_tokens = parameters.maxOutputTokens;
    } else {
      body.max_tokens = parameters.maxOutputTokens;
    }
  }
  if (request.outputSchema !== undefined) {
    // strict: false, because strict mode accepts only a subset of JSON Schema
    // (every property required, no additionalProperties). The reply is
    // validated against the full schema afterwards.
    body.response_format = {
      type: 'json_schema',
      json_schema: { name: schemaName(request.outputSchema), schema: request.outputSchema, strict: false },
    };
  }

  return body;
}

/** Names the schema as the API requires: `[a-zA-Z0-9_-]{1,64}`, from its `title` when it has one. */
export function schemaName(schema: Record<string, unknown>): string {
  const title = typeof schema.title === 'string' ? schema.title.replace(/[^a-zA-Z0-9_-]+/g, '_').slice(0, 64) : '';

  return title.replace(/^_+|_+$/g, '') || 'output';
}

function toChatMessage(message: ModelMessage): ChatCompletionMessageParam {
  if (message.role === 'assistant') {
    const text = message.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
    return { role: 'assistant', content: text };
  }

  const [onlyPart] = message.parts;
  if (message.parts.length === 1 && onlyPart?.type === 'text') {
    // A plain string keeps text-only requests readable by servers that do not accept content parts.
    return { role: 'user', content: onlyPart.text };
  }
  const content: ChatCompletionContentPart[] = message.parts.map((part) =>
    part.type === 'text'
      ? { type: 'text', text: part.text }
      : { type: 'image_url', image_url: { url: `data:${part.mediaType};base64,${part.data.toString('base64')}` } },
  );

  return { role: 'user', content };
}

/** Turns an error thrown by the OpenAI SDK into a `ModelError` with the code the retry logic acts on. */
export function openAiErrorToModelError(
  provider: string,
  error: unknown,
  options: { signal?: AbortSignal; timeoutMs: number; baseUrl?: string },
): ModelError {
  if (error instanceof ModelError) {
    return error;
  }
  if (error instanceof OpenAI.APIUserAbortError || options.signal?.aborted) {
    return new ModelError('aborted', `The request to provider ${provider} was aborted by the caller.`, {
      cause: error,
    });
  }
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return providerTimeoutError(provider, options.timeoutMs, error);
  }
  if (error instanceof OpenAI.APIError && error.status !== undefined) {
    return modelErrorForStatus(provider, error.status, error.message, {
      retryAfterMs: parseRetryAfterMs(error.headers),
      cause: error,
    });
  }
  // Connection refused or reset, or a body that is not JSON: a later attempt may get through.
  const where = options.baseUrl ? ` at ${redactUrl(options.baseUrl)}` : '';
  return new ModelError(
    'server_error',
    `The request to provider ${provider}${where} failed: ${describeErrorChain(error)}`,
    { cause: error },
  );
}
