import { UnrecoverableError, type Job } from 'bullmq';
import type { z } from 'zod';

/** Parses a job's payload; a payload that fails its schema will never succeed, so it is not retried. */
export function parsePayload<T extends z.ZodType>(schema: T, job: Job): z.infer<T> {
  const result = schema.safeParse(job.data);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new UnrecoverableError(`Job ${job.id} (${job.name}) has an invalid payload: ${problems}`);
  }

  return result.data;
}

/** True while the current attempt is the job's last one, so its failure is final. */
export function isFinalAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}
