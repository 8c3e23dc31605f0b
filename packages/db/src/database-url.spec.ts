import {
  DEFAULT_DATABASE_URL,
  describeDatabaseServer,
  getDatabaseName,
  resolveDatabaseUrl,
  withDatabaseName,
} from './database-url';

describe('resolveDatabaseUrl', () => {
  it('returns DATABASE_URL when set', () => {
    expect(resolveDatabaseUrl({ DATABASE_URL: 'postgresql://app@db.internal:6543/quire' })).toBe(
      'postgresql://app@db.internal:6543/quire',
    );
  });

  it('falls back to the local default when unset or blank', () => {
    expect(resolveDatabaseUrl({})).toBe(DEFAULT_DATABASE_URL);
    expect(resolveDatabaseUrl({ DATABASE_URL: '  ' })).toBe(DEFAULT_DATABASE_URL);
  });
});

describe('getDatabaseName', () => {
  it('returns the decoded path', () => {
    expect(getDatabaseName('postgresql://postgres@127.0.0.1:5432/quire')).toBe('quire');
    expect(getDatabaseName('postgresql://postgres@127.0.0.1/quire%20dev?sslmode=disable')).toBe('quire dev');
  });

  it('rejects a URL without a database', () => {
    expect(() => getDatabaseName('postgresql://postgres@127.0.0.1:5432')).toThrow(/names no database/);
  });

  it('rejects other schemes without echoing the URL', () => {
    expect(() => getDatabaseName('mysql://root:secret@127.0.0.1/quire')).toThrow(/scheme "mysql:"/);
    expect(() => getDatabaseName('mysql://root:secret@127.0.0.1/quire')).not.toThrow(/secret/);
    expect(() => getDatabaseName('not a url with secret')).not.toThrow(/secret/);
  });
});

describe('withDatabaseName', () => {
  it('replaces only the database', () => {
    const url = withDatabaseName('postgresql://user:pass@127.0.0.1:5433/quire?sslmode=disable', 'quire_test_1_2');

    expect(url).toBe('postgresql://user:pass@127.0.0.1:5433/quire_test_1_2?sslmode=disable');
  });

  it('encodes names that need it', () => {
    const url = withDatabaseName('postgresql://postgres@127.0.0.1/quire', 'odd name/x');

    expect(getDatabaseName(url)).toBe('odd name/x');
  });
});

describe('describeDatabaseServer', () => {
  it('shows host and port without credentials', () => {
    const address = describeDatabaseServer('postgresql://user:pass@db.internal:6543/quire');

    expect(address).toBe('db.internal:6543');
  });

  it('defaults the port and reads a socket host', () => {
    expect(describeDatabaseServer('postgresql://postgres@127.0.0.1/quire')).toBe('127.0.0.1:5432');
    expect(describeDatabaseServer('postgresql:///quire?host=/var/run/postgresql')).toBe('/var/run/postgresql:5432');
  });
});
