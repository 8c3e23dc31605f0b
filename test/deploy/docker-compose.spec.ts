import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

import { ApiConfigSchema } from '../../apps/api/src/config/api-config';
import { WorkerConfigSchema } from '../../apps/worker/src/config/worker-config';

/**
 * No Docker engine runs where these tests run, so the compose file and the
 * Dockerfile are checked by reading them against the apps' configuration.
 */
const root = path.resolve(__dirname, '..', '..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'));
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const stages = [...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((match) => match[1]);

describe('docker-compose.yml', () => {
  it('defines PostgreSQL, Redis, migrations, the API and the worker', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'migrate', 'postgres', 'redis', 'worker']);
  });

  it.each(['api', 'worker', 'migrate'])('builds %s from a Dockerfile stage that exists', (service) => {
    const build = compose.services[service].build;

    expect(existsSync(path.join(root, build.context, 'Dockerfile'))).toBe(true);
    expect(stages).toContain(build.target);
  });

  it.each([
    ['api', ApiConfigSchema],
    ['worker', WorkerConfigSchema],
  ] as const)('gives %s only variables its configuration reads, with valid values', (service, schema) => {
    const environment: Record<string, string> = compose.services[service].environment;
    const known = new Set([...Object.keys(schema.shape), 'METADATA_SERVER_DETECTION']);

    expect(Object.keys(environment).filter((name) => !known.has(name))).toEqual([]);
    expect(schema.safeParse(environment).success).toBe(true);
  });

  it('points both apps at the compose PostgreSQL and Redis', () => {
    for (const service of ['api', 'worker', 'migrate']) {
      const environment = compose.services[service].environment;
      expect(new URL(environment.DATABASE_URL).host).toBe('postgres:5432');
    }
    for (const service of ['api', 'worker']) {
      expect(new URL(compose.services[service].environment.REDIS_URL).host).toBe('redis:6379');
    }
  });

  it('publishes the API port it listens on, on loopback only', () => {
    const { API_PORT } = compose.services.api.environment;

    expect(compose.services.api.ports).toEqual([`127.0.0.1:${API_PORT}:${API_PORT}`]);
    expect(dockerfile).toMatch(new RegExp(`EXPOSE ${API_PORT}`));
  });

  it('shares one blob volume between the API and the worker', () => {
    const { api, worker } = compose.services;

    expect(api.environment.BLOB_DIR).toBe(worker.environment.BLOB_DIR);
    expect(api.volumes).toEqual([`blobs:${api.environment.BLOB_DIR}`]);
    expect(worker.volumes).toEqual(api.volumes);
  });
});
