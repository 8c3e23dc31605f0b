import { OcrError, type OcrOptions } from './ocr-engine';

/** Stop signal of one OCR call, with the error to raise when it fires. */
export interface OcrCall {
  timeoutMs: number;
  /** Aborts when the engine closes, the call's time limit passes or the caller aborts. */
  stop: AbortSignal;
  stopError(): OcrError;
}

export interface OcrCallContext {
  /** Engine name as messages print it, such as `Native Tesseract`. */
  engineLabel: string;
  defaultTimeoutMs: number;
  /** Aborted when the engine closes. */
  closing: AbortSignal;
  /** Advice appended to a timeout's message. */
  timeoutAdvice: string;
}

/**
 * Checks the image and the time limit of a call, and combines the engine's
 * closing signal, the time limit and the caller's signal into one.
 */
export function startOcrCall(image: Buffer, options: OcrOptions, context: OcrCallContext): OcrCall {
  if (image.length === 0) {
    throw new OcrError('engine_failed', 'The image to recognize is empty (0 bytes); send the encoded page image.');
  }
  const timeoutMs = options.timeoutMs ?? context.defaultTimeoutMs;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}.`);
  }

  const timeout = AbortSignal.timeout(timeoutMs);
  const stop = AbortSignal.any([context.closing, timeout, ...(options.signal ? [options.signal] : [])]);
  const stopError = (): OcrError => {
    if (context.closing.aborted) {
      return engineClosedError(context.engineLabel);
    }
    if (timeout.aborted) {
      return new OcrError(
        'timeout',
        `${context.engineLabel} recognition timed out after ${timeoutMs} ms; ${context.timeoutAdvice}`,
      );
    }

    return new OcrError('aborted', `${context.engineLabel} recognition was aborted by the caller.`, {
      cause: options.signal?.reason,
    });
  };

  return { timeoutMs, stop, stopError };
}

export function engineClosedError(engineLabel: string): OcrError {
  return new OcrError('engine_failed', `The ${engineLabel} engine was closed; create a new engine to go on.`);
}
