import type { JobName, JobPayloads, QueueName } from '@quire/contracts';
import type { Job } from 'bullmq';

/** Stands for every provider's queue (`model-<provider>`), whose names come from the environment. */
export const PROVIDER_QUEUES = 'provider-queues' as const;

/** One handler per job name; the worker refuses to start when a job name has none or two. */
export interface JobHandler<Name extends JobName = JobName> {
  readonly queueName: QueueName | typeof PROVIDER_QUEUES;
  readonly jobName: Name;
  handle(job: Job<JobPayloads[Name]>): Promise<unknown>;
}

export const JOB_HANDLERS = Symbol('JOB_HANDLERS');
