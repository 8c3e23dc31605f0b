/**
 * Text and vision models behind one small contract. A provider adapter (one
 * file per provider) turns a `ModelRequest` into its wire format and its reply
 * into a `ModelResult`. Prompts, delimiting and output validation live in
 * `model-task.ts`, never in an adapter.
 */

export type JsonSchema = Record<string, unknown>;

export interface ModelUsage {
  tokensIn: number;
  tokensOut: number;
}

export interface ModelParameters {
  temperature?: number;
  topP?: number;
  maxOutputTokens?: number;
  seed?: number;
}

export type ImageMediaType = 'image/png' | 'image/jpeg';

export type MessagePart = { type: 'text'; text: string } | { type: 'image'; data: Buffer; mediaType: ImageMediaType };

export interface ModelMessage {
  role: 'user' | 'assistant';
  parts: MessagePart[];
}

export interface ModelRequest {
  /** Model id as the provider names it, such as `gpt-4o` or `gemini-2.5-flash`. */
  model: string;
  /** System instructions. Document content never goes here. */
  system: string;
  messages: ModelMessage[];
  /** When set, the provider is asked for JSON that matches this schema. */
  outputSchema?: JsonSchema;
  parameters?: ModelParameters;
}

/** A request to a text model: no message may hold an image part. */
export type TextModelRequest = ModelRequest;

/** A request to a vision model: at least one user message contains an image part. */
export type VisionModelRequest = ModelRequest;

export interface ModelCallOptions {
  /** Limit for each HTTP request to the provider; a request past it counts as a timeout and is retried. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ModelResult {
  /** The model's reply text, unparsed. */
  text: string;
  /** Usage summed over every request the call made, retried requests included. */
  usage: ModelUsage;
  /** Model id the provider reports having used. */
  model: string;
  finishReason: string | null;
  /** Requests sent, 1 when the first succeeded. */
  requests: number;
  durationMs: number;
}

export interface TextModel {
  /** Provider name from the environment, such as `openai` or `vertex`. */
  readonly provider: string;
  generateText(request: TextModelRequest, options: ModelCallOptions): Promise<ModelResult>;
}

export interface VisionModel {
  readonly provider: string;
  generateFromImage(request: VisionModelRequest, options: ModelCallOptions): Promise<ModelResult>;
}

export type ModelErrorCode =
  | 'rate_limited'
  | 'server_error'
  | 'timeout'
  | 'aborted'
  | 'bad_request'
  | 'unauthorized'
  | 'invalid_output'
  | 'not_configured';

const RETRYABLE: ReadonlySet<ModelErrorCode> = new Set(['rate_limited', 'server_error', 'timeout']);

export class ModelError extends Error {
  override readonly name = 'ModelError';

  constructor(
    readonly code: ModelErrorCode,
    message: string,
    readonly details: {
      status?: number;
      /** Delay the provider asked for with `Retry-After`, in milliseconds. */
      retryAfterMs?: number;
      /** The reply that failed validation, kept for review. */
      rawOutput?: string;
      /** Tokens the failed call still consumed. */
      usage?: ModelUsage;
      /** Requests the failed call sent, retried requests included. */
      requests?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: details.cause });
  }

  /** True for rate limits, server errors and timeouts, which a later attempt may get past. */
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}
