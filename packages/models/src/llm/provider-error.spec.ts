import { describeErrorChain, modelErrorCodeForStatus, modelErrorForStatus } from './provider-error';

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

describe('describeErrorChain', () => {
  it('joins the messages and codes of wrapped causes', () => {
    const network = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' });
    const fetchError = new TypeError('fetch failed', { cause: network });
    const sdkError = new Error('Connection error.', { cause: fetchError });

    expect(describeErrorChain(sdkError)).toBe('Connection error. (fetch failed: connect ECONNREFUSED 127.0.0.1:8000)');
  });

  it('describes a value that is not an error', () => {
    expect(describeErrorChain('socket hang up')).toBe('socket hang up');
  });
});

describe('modelErrorForStatus', () => {
  it('states the status once when the message starts with it', () => {
    expect(modelErrorForStatus('local', 500, '500 upstream failed').message).toBe(
      'Provider local replied with HTTP 500: upstream failed',
    );
  });
});
