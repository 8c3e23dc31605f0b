import { OcrEngineChoice, parseEnv, parseProviders, sharedEnvShape, type ProviderConfig } from '@quire/contracts';
import os from 'node:os';
import { z } from 'zod';

import { DEFAULT_RASTER_LIMITS } from '../ingest/raster/raster.types';

export const WorkerConfigSchema = z.object({
  ...sharedEnvShape,
  OCR_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(Math.max(1, os.availableParallelism()))
    .describe('Pages read at once by this process; one tesseract.js worker thread each'),
  OCR_DEFAULT_ENGINE: OcrEngineChoice.default('auto').describe(
    'Engine for runs that ask for auto; auto means native Tesseract where installed, else tesseract.js',
  ),
  VLM_MAX_IMAGE_SIDE: z.coerce
    .number()
    .int()
    .min(0)
    // Letter and A4 pages at the default 200 dpi (2200 and 2339 px) fit, so they are sent as stored.
    // Scaling them to 2048 px cost about 90 ms a page (npm run bench -- --only models) and gave PNGs 2.6 times larger.
    .default(2400)
    .describe('Longer side, in pixels, of page images sent to vision models; larger pages are scaled down, 0 never'),
  INGEST_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(1),
  // A dense 1865 newspaper page (3099 x 4624, over 5000 words) takes about 90 s with tesseract.js on
  // one core of a 2-core AMD EPYC machine, so the default leaves room for pages several times that.
  OCR_TIMEOUT_MS: z.coerce.number().int().positive().default(600_000),
  // The rendering defaults and their reasons live with DEFAULT_RASTER_LIMITS.
  MAX_PAGE_PIXELS: z.coerce.number().int().positive().default(DEFAULT_RASTER_LIMITS.maxPagePixels),
  RENDER_DPI: z.coerce.number().int().min(50).max(600).default(DEFAULT_RASTER_LIMITS.dpi),
  RENDER_TIMEOUT_MS: z.coerce.number().int().positive().default(DEFAULT_RASTER_LIMITS.timeoutMs),
  RECONCILE_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(60_000)
    .describe('How often to re-enqueue work Redis lost; 0 turns it off'),
  RECONCILE_GRACE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(60_000)
    .describe('Age below which unfinished work is left alone, so jobs being queued are not doubled'),
  RENDER_MAX_MEMORY_MB: z.coerce.number().int().min(128).default(DEFAULT_RASTER_LIMITS.maxChildMemoryMb),
});
/** Settings plus the model providers named by `PROVIDER_<NAME>_*` variables. */
export type WorkerConfig = z.infer<typeof WorkerConfigSchema> & { providers: ProviderConfig[] };

export const WORKER_CONFIG = Symbol('WORKER_CONFIG');

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return { ...parseEnv(WorkerConfigSchema, env), providers: parseProviders(env) };
}
