import type { MediaType } from '@quire/contracts';

import { rasterizeImage } from './image.rasterizer';
import { rasterizePdf } from './pdf.rasterizer';
import type { RasterPage, RasterizeOptions } from './raster.types';

/**
 * Turns a stored upload into page images, one page at a time, so memory stays
 * bounded by one page however long the document is. `mediaType` must come
 * from `sniffMediaType`, not from the file name.
 *
 * Throws `IngestError` with a code for documents that cannot be rendered, and
 * the signal's reason when `options.signal` aborts.
 *
 * A PDF keeps a renderer child process alive until the generator ends. `for await`
 * ends it on `break` and on errors; a caller that calls `next()` by hand and stops
 * early must call `return()`.
 */
export function rasterizeDocument(
  filePath: string,
  mediaType: MediaType,
  options: RasterizeOptions,
): AsyncGenerator<RasterPage> {
  if (mediaType === 'application/pdf') {
    return rasterizePdf(filePath, options);
  }

  return rasterizeImage(filePath, mediaType, options);
}
