import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { QueueName, modelQueueName, parseProviders, redisConnectionOptions } from '@quire/contracts';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';

import { createApiApp } from '../../apps/api/src/app.factory';
import { loadApiConfig } from '../../apps/api/src/config/api-config';
import { loadWorkerConfig } from '../../apps/worker/src/config/worker-config';
import { createWorkerApp } from '../../apps/worker/src/worker.factory';
import { testRunBlobDirectory } from './test-run';

/** The API and the worker running in this test process against the run's database and a queue prefix of their own. */
export interface TestStack {
  baseUrl: string;
  queuePrefix: string;
  blobDirectory: string;
  api: INestApplication;
  worker: INestApplicationContext;
  queue(name: QueueName | string): Queue;
  close(): Promise<void>;
}

export async function startTestStack(overrides: Record<string, string> = {}): Promise<TestStack> {
  const queuePrefix = `quire-test-${randomUUID().slice(0, 8)}`;
  // One blob folder per test run, shared by every stack: documents are deduplicated
  // across the run's database, so a stack may read blobs another stack stored.
  const blobDirectory = testRunBlobDirectory();
  await mkdir(blobDirectory, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.QUIRE_TEST_LOG_LEVEL ?? 'silent',
    QUEUE_PREFIX: queuePrefix,
    BLOB_DIR: blobDirectory,
    API_HOST: '127.0.0.1',
    API_PORT: '0',
    // Stacks share the run's database but not their queues, so one stack's
    // reconciler would take another's work for lost; tests call it directly.
    RECONCILE_INTERVAL_MS: '0',
    ...overrides,
  };

  const api = await createApiApp(loadApiConfig(env));
  await api.listen(0, '127.0.0.1');
  const worker = await createWorkerApp(loadWorkerConfig(env));
  const queues = new Map<string, Queue>();
  const queueNames = [...Object.values(QueueName), ...parseProviders(env).map((provider) => modelQueueName(provider.name))];
  const connection = redisConnectionOptions(env.REDIS_URL ?? 'redis://127.0.0.1:6379');

  return {
    baseUrl: (await api.getUrl()).replace('[::1]', '127.0.0.1'),
    queuePrefix,
    blobDirectory,
    api,
    worker,
    queue(name) {
      let queue = queues.get(name);
      if (!queue) {
        queue = new Queue(name, { prefix: queuePrefix, connection });
        queues.set(name, queue);
      }
      return queue;
    },
    async close() {
      await worker.close();
      await api.close();
      for (const queue of queues.values()) {
        await queue.obliterate({ force: true });
        await queue.close();
      }
      await obliterateAll(queuePrefix, queueNames, connection);
    },
  };
}

/** Removes every queue this stack's prefix created in Redis, so test runs leave nothing behind. */
async function obliterateAll(
  prefix: string,
  names: readonly string[],
  connection: ReturnType<typeof redisConnectionOptions>,
): Promise<void> {
  for (const name of names) {
    const queue = new Queue(name, { prefix, connection });
    await queue.obliterate({ force: true });
    await queue.close();
  }
}
