import { ModelError, type ModelRequest } from './model';

function countImages(request: ModelRequest): number {
  return request.messages.reduce(
    (count, message) => count + message.parts.filter((part) => part.type === 'image').length,
    0,
  );
}

/** Rejects a request for a text model that contains an image part. */
export function assertTextRequest(request: ModelRequest): void {
  if (countImages(request) > 0) {
    throw new ModelError('bad_request', 'A text model request must not contain image parts; use generateFromImage.');
  }
}

/** Rejects a request for a vision model that contains no image part. */
export function assertVisionRequest(request: ModelRequest): void {
  if (countImages(request) === 0) {
    throw new ModelError('bad_request', 'A vision model request must contain at least one image part.');
  }
}
