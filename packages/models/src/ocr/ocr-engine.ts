/** Rectangle in pixels of the image given to the engine; x1 and y1 are exclusive. */
export interface BoundingBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface OcrWord {
  text: string;
  /** Engine confidence from 0 to 100. */
  confidence: number;
  bbox: BoundingBox;
}

export interface OcrResult {
  /** Page text in reading order, lines separated by newlines. */
  text: string;
  words: OcrWord[];
  /** Mean of the word confidences, or null when the page has no words. */
  meanConfidence: number | null;
  engine: string;
  /** Languages the page was read with, in the order the engine used them. */
  languages: string[];
  usage: { pages: number };
  /** Time from the call to its result, including any wait for a free worker and its start. */
  durationMs: number;
}

export interface OcrOptions {
  /** Language codes such as `eng` or `deu`; the first is the primary language. */
  languages: string[];
  signal?: AbortSignal;
  /** Limit for the whole call, waiting for a free worker included. */
  timeoutMs?: number;
}

export interface OcrEngine {
  readonly name: string;
  installedLanguages(): string[];
  recognize(image: Buffer, options: OcrOptions): Promise<OcrResult>;
  close(): Promise<void>;
}

export type OcrErrorCode = 'language_not_installed' | 'timeout' | 'aborted' | 'engine_failed';

export class OcrError extends Error {
  override readonly name = 'OcrError';

  constructor(
    readonly code: OcrErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
