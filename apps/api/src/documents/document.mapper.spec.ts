import { summarizeProgress } from './document.mapper';

describe('summarizeProgress', () => {
  it('counts finished pages of every kind as done', () => {
    expect(summarizeProgress(['succeeded', 'failed', 'cancelled', 'running', 'queued'])).toEqual({
      total: 5,
      done: 3,
      succeeded: 1,
      failed: 1,
      cancelled: 1,
    });
  });

  it('reports an empty run as nothing to do', () => {
    expect(summarizeProgress([])).toEqual({ total: 0, done: 0, succeeded: 0, failed: 0, cancelled: 0 });
  });
});
