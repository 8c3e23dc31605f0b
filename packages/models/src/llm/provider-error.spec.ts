import { modelErrorCodeForStatus, modelErrorForStatus } from './provider-error';

describe('modelErrorCodeForStatus', () => {
  it.each([
    [429, 'rate_limited'],
    [408, 'timeout'],
    [401, 'unauthorized'],
    [403, 'unauthorized'],
    [400, 'bad_request'],
    [404, 'bad_request'],
    [422, 'bad_request'],
    [500, 'server_error'],
    [503, 'server_error'],
  ])('maps %i to %s', (status, code) => {
    expect(modelErrorCodeForStatus(status)).toBe(code);
  });
});

describe('modelErrorForStatus', () => {
  it('keeps status, delay and a one-line message', () => {
    const error = modelErrorForStatus('openai', 429, 'Rate limit\n  reached', { retryAfterMs: 2_000 });

    expect(error.code).toBe('rate_limited');
    expect(error.details.status).toBe(429);
    expect(error.details.retryAfterMs).toBe(2_000);
    expect(error.message).toBe('Provider openai replied with HTTP 429: Rate limit reached');
  });

  it('shortens long provider messages', () => {
    const error = modelErrorForStatus('openai', 400, 'x'.repeat(2_000));

    expect(error.message.length).toBeLessThan(600);
    expect(error.message.endsWith('…')).toBe(true);
  });
});
