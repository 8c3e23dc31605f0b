import { checkStructuredReply, compileOutputSchema, parseJsonReply, validateOutputSchema } from './output-schema';

const invoiceSchema = {
  type: 'object',
  properties: {
    number: { type: 'string' },
    total: { type: 'number' },
    issued: { type: 'string', format: 'date' },
  },
  required: ['number', 'total'],
  additionalProperties: false,
};

describe('parseJsonReply', () => {
  it.each([
    ['{"a":1}', { a: 1 }],
    ['  [1, 2]\n', [1, 2]],
    ['```json\n{"a":1}\n```', { a: 1 }],
    ['```\n{"a":2}\n```', { a: 2 }],
    ['```JSON\r\n{"a":3}\r\n```', { a: 3 }],
  ])('parses %j', (reply, expected) => {
    expect(parseJsonReply(reply)).toEqual({ ok: true, value: expected });
  });

  it.each(['The total is 12.', '{"a":1', 'Here you go: ```json\n{"a":1}\n```', ''])('rejects %j', (reply) => {
    const parsed = parseJsonReply(reply);

    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.error).toMatch(/^The reply is not valid JSON \(.+\)\.$/);
  });
});

describe('checkStructuredReply', () => {
  it('accepts a matching reply', () => {
    expect(checkStructuredReply('{"number":"A-1","total":12.5}', invoiceSchema)).toEqual({
      ok: true,
      value: { number: 'A-1', total: 12.5 },
    });
  });

  it('names every violation', () => {
    const checked = checkStructuredReply('{"total":"twelve","extra":true}', invoiceSchema);

    expect(checked.ok).toBe(false);
    const error = checked.ok ? '' : checked.error;
    expect(error).toContain("output must have required property 'number'");
    expect(error).toContain('output/total must be number');
    expect(error).toContain('output must NOT have additional properties');
  });

  it('checks date formats', () => {
    const checked = checkStructuredReply('{"number":"A-1","total":1,"issued":"31/12/2025"}', invoiceSchema);

    expect(checked.ok ? '' : checked.error).toContain('output/issued must match format "date"');
  });

  it('reports JSON errors before schema errors', () => {
    const checked = checkStructuredReply('not json', invoiceSchema);

    expect(checked.ok ? '' : checked.error).toMatch(/^The reply is not valid JSON/);
  });
});

describe('compileOutputSchema', () => {
  it('compiles each schema once', () => {
    const first = compileOutputSchema({ type: 'object', properties: { once: { type: 'string' } } });
    const second = compileOutputSchema({ type: 'object', properties: { once: { type: 'string' } } });

    expect(second).toBe(first);
  });

  it('compiles two schemas with the same $id', () => {
    const first = compileOutputSchema({ $id: 'https://quire.test/fields', type: 'string' });
    const second = compileOutputSchema({ $id: 'https://quire.test/fields', type: 'number' });

    expect(first('a')).toBe(true);
    expect(second('a')).toBe(false);
  });

  it('supports draft 2020-12', () => {
    const validate = compileOutputSchema({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'array',
      prefixItems: [{ type: 'string' }],
    });

    expect(validate(['a'])).toBe(true);
    expect(validate([1])).toBe(false);
  });
});

describe('validateOutputSchema', () => {
  it('accepts a valid schema with provider keywords', () => {
    expect(validateOutputSchema({ ...invoiceSchema, propertyOrdering: ['number', 'total'] })).toBeNull();
  });

  it.each([
    [{ type: 'objekt' }, /^The output schema is invalid: schema is invalid: data\/type/],
    [{ $ref: '#/definitions/missing' }, /^The output schema is invalid: can't resolve reference/],
    [[], /must be a JSON object/],
    ['{"type":"object"}', /must be a JSON object/],
    [null, /must be a JSON object/],
  ])('rejects %j', (schema, expected) => {
    expect(validateOutputSchema(schema)).toMatch(expected);
  });
});
