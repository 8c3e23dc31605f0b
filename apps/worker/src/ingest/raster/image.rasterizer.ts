import { readFile } from 'node:fs/promises';

import type { MediaType } from '@quire/contracts';
import sharp, { type Metadata } from 'sharp';

import { IngestError } from './ingest.error';
import { encodePagePng } from './page-png.encoder';
import { assertPageWithinPixelLimit } from './pixel-limit';
import { decodePnmRaster, findNextPnmImage, readPnmHeader } from './pnm.decoder';
import type { RasterPage, RasterizeOptions } from './raster.types';

export type ImageMediaType = Exclude<MediaType, 'application/pdf'>;

// sharp's names for the formats that each declared media type may contain.
const SHARP_FORMATS: Record<Exclude<ImageMediaType, 'image/x-portable-anymap'>, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/tiff': 'tiff',
};

/**
 * Yields every page of an image file as an upright 8-bit PNG: one page for PNG
 * and JPEG, one per directory for TIFF, one per image for Netpbm files.
 */
export async function* rasterizeImage(
  filePath: string,
  mediaType: ImageMediaType,
  options: RasterizeOptions,
): AsyncGenerator<RasterPage> {
  if (mediaType === 'image/x-portable-anymap') {
    yield* rasterizeNetpbm(filePath, options);
  } else {
    yield* rasterizeWithSharp(filePath, SHARP_FORMATS[mediaType], options);
  }
}

async function* rasterizeWithSharp(
  filePath: string,
  expectedFormat: string,
  { limits, signal }: RasterizeOptions,
): AsyncGenerator<RasterPage> {
  signal?.throwIfAborted();
  const firstPage = await readPageMetadata(filePath, 0);
  // Without this check a file declared as PNG could reach any loader in libvips, SVG and GIF included.
  if (firstPage.format !== expectedFormat) {
    throw new IngestError(
      'invalid_image',
      `The file contains ${firstPage.format} data, not the declared ${expectedFormat}; upload it again so its type is detected from its content.`,
    );
  }
  const pageCount = firstPage.pages ?? 1;

  for (let index = 0; index < pageCount; index++) {
    signal?.throwIfAborted();
    const metadata = index === 0 ? firstPage : await readPageMetadata(filePath, index);
    assertPageWithinPixelLimit(index + 1, metadata.width, metadata.height, limits.maxPagePixels);

    const { pixels, width, height, channels } = await decodePage(filePath, index, metadata, limits.timeoutMs);
    const dpi = metadata.density === undefined ? null : Math.round(metadata.density);
    const page = await encodePagePng(pixels, width, height, channels, dpi);

    yield { index, ...page, dpi, textLayer: null };
  }
}

async function readPageMetadata(filePath: string, index: number): Promise<Metadata> {
  try {
    return await sharp(filePath, { page: index }).metadata();
  } catch (error) {
    throw new IngestError('invalid_image', `Cannot read the header of page ${index + 1}: ${reasonOf(error)}.`);
  }
}

async function decodePage(
  filePath: string,
  index: number,
  metadata: Metadata,
  timeoutMs: number,
): Promise<{ pixels: Buffer; width: number; height: number; channels: 1 | 3 }> {
  const isGray = metadata.channels - (metadata.hasAlpha ? 1 : 0) === 1;
  // autoOrient applies the EXIF orientation; 'error' rejects truncated and corrupt pixel data but tolerates warnings.
  let pipeline = sharp(filePath, {
    page: index,
    autoOrient: true,
    failOn: 'error',
    limitInputPixels: metadata.width * metadata.height,
  }).timeout({ seconds: Math.max(1, Math.ceil(timeoutMs / 1000)) });
  if (metadata.hasAlpha) {
    pipeline = pipeline.flatten({ background: '#ffffff' });
  }

  try {
    const { data, info } = await pipeline
      .toColourspace(isGray ? 'b-w' : 'srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });

    return { pixels: data, width: info.width, height: info.height, channels: info.channels === 1 ? 1 : 3 };
  } catch (error) {
    const reason = reasonOf(error);
    if (/timeout/i.test(reason)) {
      throw new IngestError(
        'render_timeout',
        `Decoding page ${index + 1} timed out after ${timeoutMs} ms; raise the timeout or upload a smaller image.`,
      );
    }
    throw new IngestError('invalid_image', `Cannot decode page ${index + 1}: ${reason}.`);
  }
}

async function* rasterizeNetpbm(filePath: string, { limits, signal }: RasterizeOptions): AsyncGenerator<RasterPage> {
  // NOTE: the whole file is read at once, so its size is bounded by the upload size limit rather than by maxPagePixels.
  const data = await readFile(filePath);
  let offset: number | null = 0;

  for (let index = 0; offset !== null; index++) {
    signal?.throwIfAborted();
    const header = readPnmHeader(data, offset);
    assertPageWithinPixelLimit(index + 1, header.width, header.height, limits.maxPagePixels);

    const { pixels, endOffset } = decodePnmRaster(data, header);
    const page = await encodePagePng(pixels, header.width, header.height, header.channels, null);

    yield { index, ...page, dpi: null, textLayer: null };
    offset = findNextPnmImage(data, endOffset);
  }
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);

  // libvips reports each failing layer on its own line.
  return message.split('\n').filter(Boolean).join('; ');
}
