// Compares what happened to an uploaded document with the outcome the samples README requires.
import type { ExpectedOutcome } from './sample-cases.ts';

export type OutcomeStage =
  'rejected at upload' | 'ingest failed' | 'succeeded' | 'failed' | 'cancelled' | 'timed out' | 'error';

export interface ObservedOutcome {
  stage: OutcomeStage;
  /** HTTP status of a rejected upload. */
  httpStatus: number | null;
  /** Upload, ingest or run error text, as the API returned it. */
  error: string | null;
  pages: number;
  rotations: number[];
  /** Text of every page read, joined. */
  text: string;
  /** Whether the worker process was still running after this document, or null when not checked. */
  workerAlive: boolean | null;
}

export interface OutcomeCheck {
  pass: boolean;
  /** The expected outcome and, on failure, the difference. */
  reason: string;
}

export function checkOutcome(expected: ExpectedOutcome, observed: ObservedOutcome): OutcomeCheck {
  switch (expected.kind) {
    case 'read':
      return checkRead(expected, observed);
    case 'rejected-at-upload': {
      const want = `rejected at upload with HTTP ${expected.status} and a message matching ${expected.message}`;
      const pass =
        observed.stage === 'rejected at upload' &&
        observed.httpStatus === expected.status &&
        expected.message.test(observed.error ?? '');
      return { pass, reason: pass ? want : `expected ${want}; got ${describe(observed)}` };
    }
    case 'ingest-failed': {
      const survives = expected.workerSurvives ? ', with the worker still running' : '';
      const want = `ingest failed with an error matching ${expected.message}${survives}`;
      const pass =
        observed.stage === 'ingest failed' &&
        expected.message.test(observed.error ?? '') &&
        (!expected.workerSurvives || observed.workerAlive === true);
      return { pass, reason: pass ? want : `expected ${want}; got ${describe(observed)}` };
    }
  }
}

function checkRead(expected: Extract<ExpectedOutcome, { kind: 'read' }>, observed: ObservedOutcome): OutcomeCheck {
  const problems: string[] = [];
  if (observed.stage !== 'succeeded') {
    problems.push(describe(observed));
  }
  if (observed.pages !== expected.pages) {
    problems.push(`${observed.pages} pages instead of ${expected.pages}`);
  }
  if (expected.rotations) {
    const order = (values: readonly number[]) =>
      expected.rotationsInAnyOrder ? [...values].sort((a, b) => a - b) : values;
    if (order(observed.rotations).join(',') !== order(expected.rotations).join(',')) {
      problems.push(`rotations ${observed.rotations.join(',')}° instead of ${expected.rotations.join(',')}°`);
    }
  }
  if (expected.textIncludes !== undefined && !observed.text.includes(expected.textIncludes)) {
    problems.push(`text does not contain "${expected.textIncludes}"`);
  }

  const rotations = expected.rotations ? `, turned ${expected.rotations.join(',')}°` : '';
  const want = `read ${expected.pages} page(s)${rotations}`;

  return {
    pass: problems.length === 0,
    reason: problems.length === 0 ? want : `expected ${want}; got ${problems.join('; ')}`,
  };
}

function describe(observed: ObservedOutcome): string {
  const status = observed.httpStatus === null ? '' : ` (HTTP ${observed.httpStatus})`;
  const error = observed.error ? `: ${observed.error}` : '';
  const worker = observed.workerAlive === false ? '; the worker process had exited' : '';

  return `${observed.stage}${status}${error}${worker}`;
}
