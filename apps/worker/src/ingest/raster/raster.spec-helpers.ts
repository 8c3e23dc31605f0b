import path from 'node:path';

import type { MediaType } from '@quire/contracts';

import { IngestError } from './ingest.error';
import { rasterizeDocument } from './rasterize-document';
import { DEFAULT_RASTER_LIMITS, type RasterLimits, type RasterPage } from './raster.types';

/** Shared by the rasterizer specs; excluded from the build. */

const samplesDirectory = path.resolve(__dirname, '..', '..', '..', '..', '..', '..', 'shared', 'samples');

export function sample(relativePath: string): string {
  return path.join(samplesDirectory, relativePath);
}

/** Collects every page `rasterizeDocument` yields, with the default limits overridden by `limits`. */
export async function collectPages(
  filePath: string,
  mediaType: MediaType,
  limits: Partial<RasterLimits> = {},
  password?: string,
): Promise<RasterPage[]> {
  const pages: RasterPage[] = [];
  for await (const page of rasterizeDocument(filePath, mediaType, {
    password,
    limits: { ...DEFAULT_RASTER_LIMITS, ...limits },
  })) {
    pages.push(page);
  }

  return pages;
}

/** Returns the IngestError a promise rejects with, failing the test on success or on any other error. */
export async function rejectionOf(promise: Promise<unknown>): Promise<IngestError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  if (!(error instanceof IngestError)) {
    throw new Error(`expected an IngestError, got ${String(error)}`);
  }

  return error;
}
