import Ajv, { type Options, type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';

import type { JsonSchema } from './model';

/*
 * Output schemas come from model profiles, so they are validated with ajv 8:
 * drafts 06 and 07 by default, 2019-09 and 2020-12 when `$schema` names them.
 * strict is off because provider-specific keywords (Gemini's
 * `propertyOrdering`, for one) are common in such schemas and carry no
 * constraint. The formats below are checked; any other `format` is ignored.
 */
const AJV_OPTIONS: Options = { allErrors: true, strict: false, logger: false };

const FORMATS: Record<string, RegExp> = {
  date: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
  time: /^([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?$/i,
  'date-time':
    /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[T ]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i,
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  uri: /^[a-z][a-z0-9+.-]*:[^\s]*$/i,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
};

/** Compiled validators by schema text; profiles reuse a handful of schemas, so the bound is generous. */
const MAX_CACHED_VALIDATORS = 200;
const validators = new Map<string, ValidateFunction>();
/** Formats validation errors; `errorsText` does not depend on the instance's schemas. */
const errorFormatter = new Ajv(AJV_OPTIONS);

function createAjv(schema: JsonSchema): Ajv {
  const draft = typeof schema.$schema === 'string' ? schema.$schema : '';
  let ajv: Ajv;
  if (draft.includes('2020-12')) {
    ajv = new Ajv2020(AJV_OPTIONS);
  } else if (draft.includes('2019-09')) {
    ajv = new Ajv2019(AJV_OPTIONS);
  } else {
    ajv = new Ajv(AJV_OPTIONS);
  }
  for (const [name, pattern] of Object.entries(FORMATS)) {
    ajv.addFormat(name, pattern);
  }

  return ajv;
}

/**
 * Compiles `schema` once and caches the validator. Throws the compile error
 * (invalid keyword value, unresolvable `$ref`, unsupported draft).
 */
export function compileOutputSchema(schema: JsonSchema): ValidateFunction {
  const key = JSON.stringify(schema);
  const cached = validators.get(key);
  if (cached !== undefined) {
    return cached;
  }

  // A fresh Ajv per schema, so two schemas with the same `$id` do not collide.
  const validate = createAjv(schema).compile(schema);
  if (validators.size >= MAX_CACHED_VALIDATORS) {
    const oldest = validators.keys().next().value;
    if (oldest !== undefined) {
      validators.delete(oldest);
    }
  }
  validators.set(key, validate);

  return validate;
}

/**
 * Checks that `schema` is a JSON Schema that ajv can compile. Returns null
 * when it is, otherwise a sentence naming the problem.
 */
export function validateOutputSchema(schema: unknown): string | null {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    return 'The output schema must be a JSON object.';
  }
  try {
    compileOutputSchema(schema as JsonSchema);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `The output schema is invalid: ${reason}`;
  }

  return null;
}

export type ReplyCheck = { ok: true; value: unknown } | { ok: false; error: string };

const FENCED_REPLY = /^```[a-zA-Z]*[ \t]*\r?\n([\s\S]*?)\r?\n?```$/;

/** Parses a reply as JSON; a reply wrapped in a Markdown code fence (```json … ```) is unwrapped first. */
export function parseJsonReply(reply: string): ReplyCheck {
  const trimmed = reply.trim();
  const fenced = FENCED_REPLY.exec(trimmed);
  const json = fenced?.[1] ?? trimmed;
  try {
    return { ok: true, value: JSON.parse(json) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, error: `The reply is not valid JSON (${reason}).` };
  }
}

/** Parses a reply as JSON and validates it against `schema`; the error names each violation. */
export function checkStructuredReply(reply: string, schema: JsonSchema): ReplyCheck {
  const parsed = parseJsonReply(reply);
  if (!parsed.ok) {
    return parsed;
  }

  const validate = compileOutputSchema(schema);
  if (validate(parsed.value)) {
    return parsed;
  }
  const violations = errorFormatter.errorsText(validate.errors?.slice(0, 20), { dataVar: 'output', separator: '; ' });

  return { ok: false, error: `The reply does not match the output schema: ${violations}.` };
}
