import type { DocumentDetail, PageSummary, RunDetail, StepDetail, TranscriptionView } from '@quire/contracts';

import { ApiClient } from './api-client.ts';

export type BenchPage = PageSummary;
export type BenchDocument = DocumentDetail;
export type BenchStep = StepDetail;
export type BenchRun = RunDetail;
export type BenchTranscription = TranscriptionView;

/** The main job's client, with uploads and run starts that return the full document and run. */
export class BenchApi {
  private readonly client: ApiClient;

  constructor(baseUrl: string) {
    this.client = new ApiClient(baseUrl);
  }

  /** Uploads a file; a rejected upload throws ApiError with the HTTP status and the API's message. */
  async upload(filename: string, bytes: Uint8Array, password?: string): Promise<BenchDocument> {
    const uploaded = await this.client.upload(filename, bytes, password);

    return this.client.getDocument(uploaded.id);
  }

  getDocument(id: string): Promise<BenchDocument> {
    return this.client.getDocument(id);
  }

  /**
   * Starts an OCR run with tesseract.js and no text-layer shortcut, so every
   * page's OCR step compares with tesseract.js alone.
   */
  async startRun(documentId: string, languages: readonly string[]): Promise<BenchRun> {
    const started = await this.client.startRun(documentId, {
      pipeline: 'ocr',
      languages,
      ocrEngine: 'tesseract.js',
      forceOcr: true,
    });

    return this.client.getRun(started.id);
  }

  getRun(id: string): Promise<BenchRun> {
    return this.client.getRun(id);
  }

  latestTranscription(pageId: string): Promise<BenchTranscription | undefined> {
    return this.client.latestTranscription(pageId);
  }

  pageImage(pageId: string): Promise<Buffer> {
    return this.client.pageImage(pageId);
  }

  isHealthy(): Promise<boolean> {
    return this.client.isHealthy();
  }
}
