export type IngestErrorCode =
  | 'password_required'
  | 'password_incorrect'
  | 'invalid_pdf'
  | 'pixel_limit'
  | 'invalid_image'
  | 'render_timeout'
  | 'render_failed';

/** A document that cannot be turned into page images, with a code that callers can branch on. */
export class IngestError extends Error {
  override readonly name = 'IngestError';

  constructor(
    readonly code: IngestErrorCode,
    message: string,
  ) {
    super(message);
  }
}
