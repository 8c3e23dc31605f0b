import {
  decodeDataUrl,
  startFakeProviderServer,
  type FakeModelRequest,
  type FakeProviderOptions,
  type FakeProviderServer,
  type FakeUsage,
  type FakeWireFormat,
} from './fake-provider.server';

/*
 * A fake OpenAI-compatible server: `POST /v1/chat/completions` with a bearer
 * token, replying as the Chat Completions API documents (`choices[0].message.content`,
 * `usage.prompt_tokens` and `usage.completion_tokens`). Errors use the API's
 * `{ error: { message, type, param, code } }` body.
 */

const CHAT_COMPLETIONS_PATH = '/v1/chat/completions';

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'invalid_request_error',
  429: 'rate_limit_exceeded',
};

type ChatContent = string | Array<{ type?: string; text?: string; image_url?: { url?: string } }> | null | undefined;

interface ChatRequestBody {
  model?: unknown;
  messages?: Array<{ role?: string; content?: ChatContent }>;
  response_format?: { type?: string; json_schema?: { schema?: Record<string, unknown> } };
}

function contentTexts(content: ChatContent): string[] {
  if (typeof content === 'string') {
    return [content];
  }

  return (content ?? []).filter((part) => part.type === 'text').map((part) => part.text ?? '');
}

function normaliseChatRequest(body: unknown): FakeModelRequest {
  const chat = body as ChatRequestBody;
  if (typeof chat.model !== 'string' || !Array.isArray(chat.messages)) {
    throw new Error('"model" must be a string and "messages" an array.');
  }

  const request: FakeModelRequest = {
    model: chat.model,
    system: '',
    userTexts: [],
    assistantTexts: [],
    images: [],
    schema: chat.response_format?.type === 'json_schema' ? (chat.response_format.json_schema?.schema ?? null) : null,
  };
  const systemTexts: string[] = [];
  for (const message of chat.messages) {
    if (message.role === 'system' || message.role === 'developer') {
      systemTexts.push(...contentTexts(message.content));
    } else if (message.role === 'assistant') {
      request.assistantTexts.push(...contentTexts(message.content));
    } else if (message.role === 'user') {
      request.userTexts.push(...contentTexts(message.content));
      if (Array.isArray(message.content)) {
        for (const part of message.content.filter((candidate) => candidate.type === 'image_url')) {
          request.images.push(decodeDataUrl(part.image_url?.url ?? ''));
        }
      }
    }
  }
  request.system = systemTexts.join('\n');

  return request;
}

const openAiWireFormat: FakeWireFormat = {
  baseUrlPath: '/v1',
  servesPath: (path) => path === CHAT_COMPLETIONS_PATH,
  hasCredentials: (headers) => /^Bearer \S+/.test(headers.authorization ?? ''),
  normalise: (body) => normaliseChatRequest(body),
  replyBody: (text: string, usage: FakeUsage, request: FakeModelRequest, sequence: number) => ({
    id: `chatcmpl-fake-${sequence}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: usage.tokensIn,
      completion_tokens: usage.tokensOut,
      total_tokens: usage.tokensIn + usage.tokensOut,
    },
  }),
  errorBody: (status, message) => ({
    error: { message, type: ERROR_TYPES[status] ?? 'server_error', param: null, code: null },
  }),
};

/**
 * Starts a fake OpenAI-compatible server on 127.0.0.1. Give `baseUrl` (ending
 * in `/v1`) to the OpenAI SDK as `baseURL`, or to a provider as `PROVIDER_<NAME>_BASE_URL`.
 */
export function startFakeOpenAiServer(options: FakeProviderOptions = {}): Promise<FakeProviderServer> {
  return startFakeProviderServer(openAiWireFormat, options);
}
