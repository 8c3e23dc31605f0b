import { JobName, QueueName } from '@quire/contracts';

import { PROVIDER_QUEUES, type JobHandler } from './job-handler';
import { indexHandlers } from './queue-workers.service';

const handler = (jobName: JobName, queueName: QueueName | typeof PROVIDER_QUEUES): JobHandler =>
  ({ jobName, queueName, handle: async () => undefined }) as JobHandler;

const complete = [
  handler(JobName.ingestDocument, QueueName.ingest),
  handler(JobName.ocrPage, QueueName.ocr),
  handler(JobName.modelPage, PROVIDER_QUEUES),
  handler(JobName.finishRun, QueueName.runs),
];

describe('indexHandlers', () => {
  it('maps every job name to its handler', () => {
    const byName = indexHandlers(complete);

    expect([...byName.keys()].sort()).toEqual(Object.values(JobName).sort());
  });

  it('rejects a job name without a handler', () => {
    expect(() => indexHandlers(complete.slice(1))).toThrow(/No handler for job "ingest-document"/);
  });

  it('rejects a job name with two handlers', () => {
    expect(() => indexHandlers([...complete, handler(JobName.ocrPage, QueueName.ocr)])).toThrow(
      /"ocr-page" has two handlers/,
    );
  });
});
