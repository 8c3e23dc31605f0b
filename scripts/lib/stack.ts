import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { ApiClient } from './api-client.ts';

/** The API and worker processes the main job starts, with their logs in files. */
export interface RunningStack {
  api: ApiClient;
  baseUrl: string;
  logDirectory: string;
  /** Process ids of the API and the worker, for reading their memory use from /proc. */
  pids: { api: number | undefined; worker: number | undefined };
  stop(): Promise<void>;
}

const HEALTH_TIMEOUT_MS = 60_000;

export async function startStack(repositoryRoot: string, env: NodeJS.ProcessEnv): Promise<RunningStack> {
  const port = await freePort();
  const logDirectory = path.join(repositoryRoot, 'data', 'logs');
  await mkdir(logDirectory, { recursive: true });
  const childEnv = { ...env, API_HOST: '127.0.0.1', API_PORT: String(port), NODE_ENV: env.NODE_ENV ?? 'production' };

  const children = [
    startProcess(
      path.join(repositoryRoot, 'apps', 'api', 'dist', 'main.js'),
      childEnv,
      path.join(logDirectory, 'api.log'),
    ),
    startProcess(
      path.join(repositoryRoot, 'apps', 'worker', 'dist', 'main.js'),
      childEnv,
      path.join(logDirectory, 'worker.log'),
    ),
  ];
  const stop = async () => {
    await Promise.all(children.map(stopProcess));
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  const api = new ApiClient(baseUrl);
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (!(await api.isHealthy())) {
    const exited = children.find((child) => child.exitCode !== null);
    if (exited || Date.now() > deadline) {
      await stop();
      const reason = exited ? 'a process exited' : `no healthy answer within ${HEALTH_TIMEOUT_MS / 1000} s`;
      throw new Error(`The API and worker did not start (${reason}); see the logs in ${logDirectory}.`);
    }
    await sleep(250);
  }

  return { api, baseUrl, logDirectory, pids: { api: children[0]?.pid, worker: children[1]?.pid }, stop };
}

function startProcess(script: string, env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);

  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const forced = sleep(15_000).then(() => child.kill('SIGKILL'));
  await Promise.race([exited, forced]);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
