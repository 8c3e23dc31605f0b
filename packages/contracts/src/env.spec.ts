import { z } from 'zod';

import { parseEnv, redactUrl, redisConnectionOptions } from './env';

describe('parseEnv', () => {
  const schema = z.object({ PORT: z.coerce.number().int(), SECRET_URL: z.url() });

  it('names each invalid variable without its value', () => {
    const parse = () => parseEnv(schema, { PORT: 'eighty', SECRET_URL: 'hunter2' });

    expect(parse).toThrow(/PORT/);
    expect(parse).toThrow(/SECRET_URL/);
    expect(parse).not.toThrow(/hunter2/);
  });

  it('returns parsed values', () => {
    expect(parseEnv(schema, { PORT: '80', SECRET_URL: 'http://127.0.0.1' })).toEqual({
      PORT: 80,
      SECRET_URL: 'http://127.0.0.1',
    });
  });
});

describe('redisConnectionOptions', () => {
  it('reads host, port, credentials and database', () => {
    expect(redisConnectionOptions('redis://user:p%40ss@127.0.0.1:6380/2')).toEqual({
      host: '127.0.0.1',
      port: 6380,
      username: 'user',
      password: 'p@ss',
      db: 2,
    });
  });

  it('turns on TLS for rediss URLs', () => {
    expect(redisConnectionOptions('rediss://127.0.0.1')).toMatchObject({ port: 6379, db: 0, tls: {} });
  });
});

describe('redactUrl', () => {
  it('hides the password', () => {
    expect(redactUrl('postgresql://postgres:secret@127.0.0.1:5432/quire')).toBe(
      'postgresql://postgres:***@127.0.0.1:5432/quire',
    );
  });
});
