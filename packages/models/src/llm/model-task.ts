import {
  ModelError,
  type JsonSchema,
  type ModelCallOptions,
  type ModelParameters,
  type ModelRequest,
  type ModelResult,
  type ModelUsage,
  type TextModel,
  type VisionModel,
} from './model';
import { addUsage } from './model-retry';
import { checkStructuredReply, validateOutputSchema } from './output-schema';
import {
  buildCorrectionMessage,
  buildInstruction,
  buildSystemMessage,
  buildUserMessage,
  type ModelTaskInput,
} from './task-prompt';

export { validateOutputSchema } from './output-schema';
export type { ModelTaskInput } from './task-prompt';

/** The part of a model profile that shapes one call. */
export interface ModelTaskProfile {
  model: string;
  /** The instruction, such as "Summarise this page" or "Extract the invoice fields". */
  prompt: string;
  /** When set, the reply must be JSON matching this schema, and `fields` contains it parsed. */
  outputSchema: JsonSchema | null;
  parameters?: ModelParameters;
}

export interface ModelTaskResult {
  /** The last reply, unparsed. */
  text: string;
  /** The parsed and validated reply when the profile has an output schema, otherwise null. */
  fields: unknown | null;
  /** Usage summed over every request, provider retries and the correction round included. */
  usage: ModelUsage;
  /** HTTP requests sent to the provider. */
  requests: number;
  /** Model calls made: 1, or 2 when the first reply failed validation and was corrected. */
  attempts: number;
}

/**
 * Runs one page through a model: delimited page text to a text model, or the
 * page image to a vision model, with the profile's prompt as the instruction.
 * With an output schema, a reply that is not valid JSON or breaks the schema
 * is sent back once with the validation error. A second invalid reply throws
 * `invalid_output` with that reply as `rawOutput`.
 */
export function runModelTask(
  model: TextModel,
  input: Extract<ModelTaskInput, { kind: 'text' }>,
  profile: ModelTaskProfile,
  callOptions: ModelCallOptions,
): Promise<ModelTaskResult>;
export function runModelTask(
  model: VisionModel,
  input: Extract<ModelTaskInput, { kind: 'vision' }>,
  profile: ModelTaskProfile,
  callOptions: ModelCallOptions,
): Promise<ModelTaskResult>;
export function runModelTask(
  model: TextModel & VisionModel,
  input: ModelTaskInput,
  profile: ModelTaskProfile,
  callOptions: ModelCallOptions,
): Promise<ModelTaskResult>;
export async function runModelTask(
  model: TextModel | VisionModel,
  input: ModelTaskInput,
  profile: ModelTaskProfile,
  callOptions: ModelCallOptions,
): Promise<ModelTaskResult> {
  const schema = profile.outputSchema;
  if (schema !== null) {
    const schemaError = validateOutputSchema(schema);
    if (schemaError !== null) {
      throw new ModelError('bad_request', schemaError);
    }
  }

  const call = (request: ModelRequest): Promise<ModelResult> => callModel(model, input.kind, request, callOptions);
  const request: ModelRequest = {
    model: profile.model,
    system: buildSystemMessage(input.kind, schema),
    messages: [buildUserMessage(input, buildInstruction(profile.prompt, schema))],
    outputSchema: schema ?? undefined,
    parameters: profile.parameters,
  };

  const first = await call(request);
  if (schema === null) {
    return { text: first.text, fields: null, usage: first.usage, requests: first.requests, attempts: 1 };
  }
  const firstCheck = checkStructuredReply(first.text, schema);
  if (firstCheck.ok) {
    return { text: first.text, fields: firstCheck.value, usage: first.usage, requests: first.requests, attempts: 1 };
  }

  const correction: ModelRequest = {
    ...request,
    messages: [
      ...request.messages,
      { role: 'assistant', parts: [{ type: 'text', text: first.text }] },
      buildCorrectionMessage(firstCheck.error),
    ],
  };
  let second: ModelResult;
  try {
    second = await call(correction);
  } catch (error) {
    throw addEarlierCall(error, first);
  }
  const usage = addUsage(first.usage, second.usage);
  const requests = first.requests + second.requests;
  const secondCheck = checkStructuredReply(second.text, schema);
  if (!secondCheck.ok) {
    throw new ModelError('invalid_output', `The model's reply was invalid twice. ${secondCheck.error}`, {
      rawOutput: second.text,
      usage,
      requests,
    });
  }

  return { text: second.text, fields: secondCheck.value, usage, requests, attempts: 2 };
}

function callModel(
  model: TextModel | VisionModel,
  kind: ModelTaskInput['kind'],
  request: ModelRequest,
  options: ModelCallOptions,
): Promise<ModelResult> {
  if (kind === 'text') {
    if (!('generateText' in model)) {
      throw new ModelError('not_configured', `Provider ${model.provider} has no text model.`);
    }
    return model.generateText(request, options);
  }
  if (!('generateFromImage' in model)) {
    throw new ModelError('not_configured', `Provider ${model.provider} has no vision model.`);
  }

  return model.generateFromImage(request, options);
}

/** Adds the first call's usage and requests to an error from the correction call. */
function addEarlierCall(error: unknown, first: ModelResult): unknown {
  if (!(error instanceof ModelError)) {
    return error;
  }
  const copy = new ModelError(error.code, error.message, {
    ...error.details,
    usage: addUsage(first.usage, error.details.usage),
    requests: first.requests + (error.details.requests ?? 0),
  });
  copy.stack = error.stack;

  return copy;
}

/**
 * Estimates the cost of `usage` in US dollars from per-million-token prices.
 * Returns null when either price is unknown, because a partial sum would read
 * as a complete one.
 */
export function estimateCostUsd(
  usage: ModelUsage,
  priceInPerMillionUsd: number | null | undefined,
  priceOutPerMillionUsd: number | null | undefined,
): number | null {
  if (
    priceInPerMillionUsd === null ||
    priceInPerMillionUsd === undefined ||
    priceOutPerMillionUsd === null ||
    priceOutPerMillionUsd === undefined
  ) {
    return null;
  }

  return (usage.tokensIn * priceInPerMillionUsd + usage.tokensOut * priceOutPerMillionUsd) / 1_000_000;
}
