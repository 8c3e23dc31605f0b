import { z } from 'zod';

export const PipelineName = z.enum(['ocr']);
export type PipelineName = z.infer<typeof PipelineName>;

/** Tesseract language codes whose data the worker installs from the `@tesseract.js-data` packages. */
export const OCR_LANGUAGES = ['eng', 'deu', 'fra', 'ita', 'spa', 'por', 'nld'] as const;
export const OcrLanguage = z.enum(OCR_LANGUAGES);
export type OcrLanguage = z.infer<typeof OcrLanguage>;

export const DEFAULT_OCR_LANGUAGES: OcrLanguage[] = ['eng'];

/** Step kinds inside a run; one step per page and kind. */
export const StepKind = { ocr: 'ocr' } as const;
export type StepKind = (typeof StepKind)[keyof typeof StepKind];

/** The model configuration frozen into a run when it is created. */
export const OcrRunConfig = z.object({
  pipeline: z.literal('ocr'),
  engine: z.literal('tesseract.js'),
  languages: z.array(OcrLanguage).min(1),
});
export type OcrRunConfig = z.infer<typeof OcrRunConfig>;
