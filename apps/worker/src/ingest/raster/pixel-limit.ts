import { IngestError } from './ingest.error';

/**
 * Throws `pixel_limit` when a page of `width` × `height` pixels exceeds
 * `maxPagePixels`. Called with sizes from file headers, before any pixel is decoded.
 */
export function assertPageWithinPixelLimit(
  pageNumber: number,
  width: number,
  height: number,
  maxPagePixels: number,
  sizeNote = '',
): void {
  const pixels = width * height;
  if (pixels <= maxPagePixels) {
    return;
  }

  throw new IngestError(
    'pixel_limit',
    `Page ${pageNumber} is ${width}x${height} pixels${sizeNote} (${formatMegapixels(pixels)}), ` +
      `over the limit of ${formatMegapixels(maxPagePixels)}; split or downscale the document and upload it again.`,
  );
}

export function formatMegapixels(pixels: number): string {
  return `${(pixels / 1_000_000).toFixed(1)} megapixels`;
}
