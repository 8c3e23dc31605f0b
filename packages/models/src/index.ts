export * from './ocr/ocr-engine';
export * from './ocr/tesseract-js.engine';
export * from './ocr/tesseract-orientation.detector';
export { listInstalledLanguageData, resolveLanguageDataFolder } from './ocr/tesseract-language-data.resolver';
export type { WorkerPoolStats } from './ocr/tesseract-worker.pool';
export * from './evaluation/character-error-rate.metric';
export * from './evaluation/word-box-match.metric';
