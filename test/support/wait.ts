import { setTimeout as sleep } from 'node:timers/promises';

import { getJson } from './http';

const POLL_MS = 200;

/**
 * Polls `check` until it returns a value other than undefined. On timeout the
 * error names what was still pending, from `describe`.
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  describe: () => Promise<string> | string,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms; still pending: ${await describe()}`);
    }
    await sleep(POLL_MS);
  }
}

/** Waits until a document's ingest has finished (ready or failed) and returns the document. */
export async function waitForIngest(baseUrl: string, documentId: string, timeoutMs?: number): Promise<any> {
  let last: any;
  return waitFor(
    async () => {
      last = (await getJson(baseUrl, `/api/documents/${documentId}`)).body;
      return last.state === 'ready' || last.state === 'failed' ? last : undefined;
    },
    () => `document ${documentId} in state ${last?.state}`,
    timeoutMs,
  );
}

/** Waits until a run has finished (succeeded, failed or cancelled) and returns it. */
export async function waitForRun(baseUrl: string, runId: string, timeoutMs?: number): Promise<any> {
  let last: any;
  return waitFor(
    async () => {
      last = (await getJson(baseUrl, `/api/runs/${runId}`)).body;
      return ['succeeded', 'failed', 'cancelled'].includes(last.state) ? last : undefined;
    },
    () => `run ${runId} in state ${last?.state}, steps ${JSON.stringify(last?.steps?.map((step: any) => step.state))}`,
    timeoutMs,
  );
}
