import { z } from 'zod';

import {
  MODEL_PIPELINES,
  ModelParametersSchema,
  OCR_LANGUAGES,
  OcrEngineChoice,
  OcrLanguage,
  PADDLE_OCR_LANGUAGES,
  PipelineName,
} from './pipelines';
import { PROVIDER_NAME_PATTERN, ProviderType } from './providers';

/** Shapes of the HTTP API. The OpenAPI document at /api/docs is generated from these schemas. */

export const DocumentState = z.enum(['uploaded', 'ingesting', 'ready', 'failed']);
export type DocumentState = z.infer<typeof DocumentState>;

export const RunState = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
export type RunState = z.infer<typeof RunState>;

export const StepState = RunState;
export type StepState = RunState;

const isoDate = z.iso.datetime().describe('ISO 8601 time in UTC');

export const BoundingBox = z.object({
  x0: z.number(),
  y0: z.number(),
  x1: z.number(),
  y1: z.number(),
});

export const Word = z.object({
  text: z.string(),
  confidence: z.number().min(0).max(100).describe('Engine confidence, 0 to 100'),
  bbox: BoundingBox.describe('Box in pixels of the upright page image'),
});
export type Word = z.infer<typeof Word>;

export const DocumentSummary = z.object({
  id: z.uuid(),
  filename: z.string(),
  mediaType: z.string(),
  sizeBytes: z.number().int(),
  sha256: z.string(),
  state: DocumentState,
  ingestError: z.string().nullable().describe('Why the last ingest failed, when it did'),
  pageCount: z.number().int().nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type DocumentSummary = z.infer<typeof DocumentSummary>;

export const PageSummary = z.object({
  id: z.uuid(),
  index: z.number().int().describe('Zero-based page number in the document'),
  width: z.number().int(),
  height: z.number().int(),
  dpi: z.number().int().nullable(),
  rotation: z.number().int().describe('Clockwise degrees applied to the original to make it upright'),
  orientationConfidence: z.number().nullable(),
  originalWidth: z.number().int(),
  originalHeight: z.number().int(),
  hasTextLayer: z.boolean(),
  imageUrl: z.string(),
});
export type PageSummary = z.infer<typeof PageSummary>;

export const RunProgress = z.object({
  total: z.number().int(),
  done: z.number().int().describe('Pages whose step finished: succeeded, failed or cancelled'),
  succeeded: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
});
export type RunProgress = z.infer<typeof RunProgress>;

export const RunSummary = z.object({
  id: z.uuid(),
  documentId: z.uuid(),
  pipeline: z.string(),
  state: RunState,
  progress: RunProgress,
  error: z.string().nullable(),
  tokensIn: z.number().int().describe('Model tokens sent, summed over the run'),
  tokensOut: z.number().int().describe('Model tokens received, summed over the run'),
  costUsd: z.number().describe('Estimated model cost in US dollars, summed over the run'),
  createdAt: isoDate,
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const DocumentDetail = DocumentSummary.extend({
  pages: z.array(PageSummary),
  runs: z.array(RunSummary),
});
export type DocumentDetail = z.infer<typeof DocumentDetail>;

export const UploadDocumentBody = z.object({
  file: z.any().describe('PDF, PNG, JPEG, TIFF or PNM/PBM file'),
  password: z.string().min(1).max(1024).optional().describe('Opens an encrypted PDF; never stored or returned'),
});

export const DocumentList = z.object({
  items: z.array(DocumentSummary),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
});
export type DocumentList = z.infer<typeof DocumentList>;

export const ListDocumentsQuery = z.object({
  state: DocumentState.optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
export type ListDocumentsQuery = z.infer<typeof ListDocumentsQuery>;

export const CreateRunBody = z
  .strictObject({
    pipeline: PipelineName.describe(
      'ocr: OCR only; ocr+llm: OCR, then a text model; vlm: one vision model reads the image',
    ),
    languages: z
      .array(OcrLanguage)
      .min(1)
      .max(OCR_LANGUAGES.length)
      .default(['eng'])
      .describe(`OCR language codes; installed: ${OCR_LANGUAGES.join(', ')}`),
    ocrEngine: OcrEngineChoice.default('auto').describe(
      'OCR engine for ocr and ocr+llm; auto picks the worker default (native Tesseract where installed, else tesseract.js)',
    ),
    forceOcr: z.boolean().default(false).describe('Run OCR even on PDF pages whose own text layer is usable'),
    profile: z.string().min(1).optional().describe('Name of the model profile; required by ocr+llm and vlm'),
  })
  .superRefine((body, context) => {
    const needsProfile = MODEL_PIPELINES.includes(body.pipeline);
    if (needsProfile && body.profile === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['profile'],
        message: `pipeline ${body.pipeline} needs a model profile`,
      });
    }
    const unreadable = body.languages.filter((language) => !PADDLE_OCR_LANGUAGES.includes(language));
    if (body.pipeline !== 'vlm' && body.ocrEngine === 'paddleocr' && unreadable.length > 0) {
      context.addIssue({
        code: 'custom',
        path: ['languages'],
        message: `paddleocr reads only ${PADDLE_OCR_LANGUAGES.join(', ')}, not ${unreadable.join(', ')}; use tesseract.js or tesseract`,
      });
    }
    if (!needsProfile && body.profile !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['profile'],
        message: `pipeline ${body.pipeline} uses no model profile`,
      });
    }
  });
export type CreateRunBody = z.infer<typeof CreateRunBody>;

export const PageImageQuery = z.object({
  variant: z
    .enum(['upright', 'original'])
    .default('upright')
    .describe('upright: the image OCR reads; original: the page before it was turned'),
});
export type PageImageQuery = z.infer<typeof PageImageQuery>;

export const StepDetail = z.object({
  id: z.uuid(),
  pageId: z.uuid(),
  pageIndex: z.number().int(),
  kind: z.string(),
  state: StepState,
  attempts: z.number().int(),
  error: z.string().nullable(),
  durationMs: z.number().int().nullable(),
  tokensIn: z.number().int(),
  tokensOut: z.number().int(),
  costUsd: z.number().describe('Estimated from the profile prices; 0 without prices'),
  rawOutput: z.string().nullable().describe('Model reply that failed validation, kept for review'),
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
});
export type StepDetail = z.infer<typeof StepDetail>;

export const RunDetail = RunSummary.extend({
  config: z.record(z.string(), z.unknown()).describe('Model configuration frozen when the run was created'),
  steps: z.array(StepDetail),
});
export type RunDetail = z.infer<typeof RunDetail>;

export const TranscriptionView = z.object({
  id: z.uuid(),
  pageId: z.uuid(),
  source: z.enum(['model', 'human']),
  stepId: z.uuid().nullable(),
  runId: z.uuid().nullable(),
  parentId: z.uuid().nullable(),
  text: z.string(),
  words: z.array(Word),
  fields: z.unknown().nullable().describe('Structured fields, when the model profile has an output schema'),
  meanConfidence: z.number().nullable(),
  engine: z.string().nullable(),
  languages: z.array(z.string()),
  createdAt: isoDate,
});
export type TranscriptionView = z.infer<typeof TranscriptionView>;

export const TranscriptionList = z.object({ items: z.array(TranscriptionView) });
export type TranscriptionList = z.infer<typeof TranscriptionList>;

const profileName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'letters, digits, ".", "_" and "-", at most 64, starting with a letter or digit',
  );

const price = z.number().nonnegative().max(1_000_000).nullable().default(null);

export const ModelProfileBody = z.strictObject({
  name: profileName,
  provider: z
    .string()
    .regex(PROVIDER_NAME_PATTERN)
    .describe('A provider configured in the environment with PROVIDER_<NAME>_TYPE'),
  model: z.string().min(1).max(200).describe('Model id as the provider names it'),
  prompt: z
    .string()
    .min(1)
    .max(20_000)
    .describe('Instructions; page text and images are sent apart from them, as data'),
  outputSchema: z
    .record(z.string(), z.unknown())
    .nullable()
    .default(null)
    .describe('JSON Schema the reply must match; null for free text'),
  parameters: ModelParametersSchema.default({}),
  priceInPerMillionUsd: price.describe('Price of a million input tokens, for cost estimates'),
  priceOutPerMillionUsd: price.describe('Price of a million output tokens, for cost estimates'),
});
export type ModelProfileBody = z.infer<typeof ModelProfileBody>;

export const UpdateModelProfileBody = ModelProfileBody.omit({ name: true });
export type UpdateModelProfileBody = z.infer<typeof UpdateModelProfileBody>;

export const ModelProfileView = ModelProfileBody.extend({
  id: z.uuid(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type ModelProfileView = z.infer<typeof ModelProfileView>;

export const ModelProfileList = z.object({ items: z.array(ModelProfileView) });
export type ModelProfileList = z.infer<typeof ModelProfileList>;

export const ProviderView = z.object({
  name: z.string(),
  type: ProviderType,
  baseUrl: z.string().nullable(),
  maxConcurrency: z.number().int(),
  requestsPerMinute: z.number().int(),
  timeoutMs: z.number().int(),
  maxRetries: z.number().int(),
});
export type ProviderView = z.infer<typeof ProviderView>;

export const ProviderList = z.object({ items: z.array(ProviderView) });
export type ProviderList = z.infer<typeof ProviderList>;

export const HealthCheck = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.object({
    postgres: z.object({ ok: z.boolean(), error: z.string().optional() }),
    redis: z.object({ ok: z.boolean(), error: z.string().optional() }),
  }),
});
export type HealthCheck = z.infer<typeof HealthCheck>;

export const ErrorBody = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  message: z.string(),
});
