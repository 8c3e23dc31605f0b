import { finalRunState } from './finish-run.handler';

describe('finalRunState', () => {
  it('succeeds when every page succeeded', () => {
    expect(finalRunState(['succeeded', 'succeeded'])).toEqual({ state: 'succeeded', error: null });
  });

  it('fails and counts the pages that did not succeed', () => {
    expect(finalRunState(['succeeded', 'failed', 'cancelled'])).toEqual({
      state: 'failed',
      error: "2 of 3 pages did not succeed; see each step's error.",
    });
  });
});
