// The API calls the benchmark needs beyond scripts/lib/api-client.ts: page sizes and rotations,
// word boxes, step timings and the upright page images.
import type { OcrWord } from '@quire/models';

import { ApiClient, ApiError } from './api-client.ts';

export interface BenchPage {
  id: string;
  index: number;
  width: number;
  height: number;
  /** Clockwise degrees applied to the original to make it upright. */
  rotation: number;
}

export interface BenchDocument {
  id: string;
  state: 'uploaded' | 'ingesting' | 'ready' | 'failed';
  ingestError: string | null;
  pageCount: number | null;
  pages: BenchPage[];
}

export interface BenchStep {
  pageId: string;
  pageIndex: number;
  state: string;
  error: string | null;
  durationMs: number | null;
}

export interface BenchRun {
  id: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  error: string | null;
  steps: BenchStep[];
}

export interface BenchTranscription {
  text: string;
  words: OcrWord[];
}

export class BenchApi {
  private readonly baseUrl: string;
  private readonly client: ApiClient;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
    this.client = new ApiClient(baseUrl);
  }

  /** Uploads a file; a rejected upload throws ApiError with the HTTP status and the API's message. */
  async upload(filename: string, bytes: Uint8Array, password?: string): Promise<BenchDocument> {
    const uploaded = await this.client.upload(filename, bytes, password);

    return this.getDocument(uploaded.id);
  }

  getDocument(id: string): Promise<BenchDocument> {
    return this.getJson(`/api/documents/${id}`);
  }

  async startRun(documentId: string, languages: readonly string[]): Promise<BenchRun> {
    const started = await this.client.startRun(documentId, [...languages]);

    return this.getRun(started.id);
  }

  getRun(id: string): Promise<BenchRun> {
    return this.getJson(`/api/runs/${id}`);
  }

  async latestTranscription(pageId: string): Promise<BenchTranscription | undefined> {
    const list = await this.getJson<{ items: BenchTranscription[] }>(`/api/pages/${pageId}/transcriptions`);

    return list.items[0];
  }

  /** Downloads the upright page image (PNG) that the OCR step read. */
  async pageImage(pageId: string): Promise<Buffer> {
    const response = await fetch(`${this.baseUrl}/api/pages/${pageId}/image`);
    if (!response.ok) {
      throw new ApiError(response.status, `GET /api/pages/${pageId}/image failed with HTTP ${response.status}.`);
    }

    return Buffer.from(await response.arrayBuffer());
  }

  isHealthy(): Promise<boolean> {
    return this.client.isHealthy();
  }

  private async getJson<T>(path: string): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`);
    const payload = (await response.json().catch(() => ({}))) as { message?: unknown };
    if (!response.ok) {
      const message = typeof payload.message === 'string' ? payload.message : JSON.stringify(payload);
      throw new ApiError(response.status, `GET ${path} failed: ${message}`);
    }

    return payload as T;
  }
}
