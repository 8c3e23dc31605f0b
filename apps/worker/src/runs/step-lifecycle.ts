import type { PrismaClient } from '@quire/db';
import { UnrecoverableError } from 'bullmq';

/**
 * Loads a step with its run and page for a page job, or returns null when the
 * job has nothing to do: the step already finished, or its run was cancelled
 * (the step is then marked cancelled).
 */
export async function loadStepToRun(prisma: PrismaClient, stepId: string) {
  const step = await prisma.pipelineStep.findUnique({ where: { id: stepId }, include: { run: true, page: true } });
  if (!step) {
    throw new UnrecoverableError(`Step ${stepId} was not found; its run may have been deleted.`);
  }
  if (step.state === 'succeeded' || step.state === 'failed' || step.state === 'cancelled') {
    return null;
  }
  if (step.run.state === 'cancelled') {
    await prisma.pipelineStep.updateMany({
      where: { id: step.id, state: { in: ['queued', 'running'] } },
      data: { state: 'cancelled', error: 'Run was cancelled.', finishedAt: new Date() },
    });
    return null;
  }

  return step;
}

/** Marks the step running and counts the attempt; the run becomes running with its first step. */
export async function markStepRunning(
  prisma: PrismaClient,
  step: { id: string; runId: string },
  startedAt: Date,
): Promise<void> {
  // Step before run: cancelling takes the same rows in the same order, so neither transaction deadlocks the other.
  await prisma.$transaction([
    prisma.pipelineStep.update({
      where: { id: step.id },
      data: { state: 'running', attempts: { increment: 1 }, startedAt },
    }),
    prisma.pipelineRun.updateMany({
      where: { id: step.runId, state: 'queued' },
      data: { state: 'running', startedAt },
    }),
  ]);
}
