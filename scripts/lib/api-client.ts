/** A small client for the parts of the Quire HTTP API the main job and the benchmark use. */
import type {
  DocumentDetail,
  DocumentSummary,
  ModelProfileBody,
  ModelProfileView,
  RunDetail,
  TranscriptionView,
} from '@quire/contracts';

/** Options of a new run, as `POST /api/documents/:id/runs` takes them; omitted ones take the API's defaults. */
export interface RunOptions {
  pipeline?: 'ocr' | 'ocr+llm' | 'vlm';
  languages?: readonly string[];
  ocrEngine?: string;
  forceOcr?: boolean;
  profile?: string;
}

export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export class ApiClient {
  private readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  async upload(filename: string, bytes: Uint8Array, password?: string): Promise<DocumentSummary> {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)]), filename);
    if (password !== undefined) {
      form.append('password', password);
    }

    return this.request<DocumentSummary>('POST', '/api/documents', form);
  }

  getDocument(id: string): Promise<DocumentDetail> {
    return this.request('GET', `/api/documents/${id}`);
  }

  startRun(documentId: string, options: RunOptions): Promise<RunDetail> {
    return this.request('POST', `/api/documents/${documentId}/runs`, { pipeline: 'ocr', ...options });
  }

  getProfile(name: string): Promise<ModelProfileView> {
    return this.request('GET', `/api/model-profiles/${encodeURIComponent(name)}`);
  }

  /** Creates the profile, or replaces the one of the same name. */
  async saveProfile(profile: ModelProfileBody): Promise<ModelProfileView> {
    const { name, ...rest } = profile;
    try {
      return await this.request<ModelProfileView>('PUT', `/api/model-profiles/${encodeURIComponent(name)}`, rest);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        return this.request<ModelProfileView>('POST', '/api/model-profiles', profile);
      }
      throw error;
    }
  }

  getRun(id: string): Promise<RunDetail> {
    return this.request('GET', `/api/runs/${id}`);
  }

  async latestTranscription(pageId: string): Promise<TranscriptionView | undefined> {
    return (await this.transcriptions(pageId))[0];
  }

  /** Lists every revision of a page, newest first. */
  async transcriptions(pageId: string): Promise<TranscriptionView[]> {
    const list = await this.request<{ items: TranscriptionView[] }>('GET', `/api/pages/${pageId}/transcriptions`);
    return list.items;
  }

  /** Downloads the upright page image (PNG) that the OCR step read. */
  async pageImage(pageId: string): Promise<Buffer> {
    const response = await fetch(`${this.baseUrl}/api/pages/${pageId}/image`);
    if (!response.ok) {
      throw new ApiError(response.status, `GET /api/pages/${pageId}/image failed with HTTP ${response.status}.`);
    }

    return Buffer.from(await response.arrayBuffer());
  }

  async isHealthy(): Promise<boolean> {
    try {
      const response = await fetch(`${this.baseUrl}/health`);
      return response.ok;
    } catch {
      return false;
    }
  }

  private async request<T>(method: string, path: string, body?: FormData | object): Promise<T> {
    const init: RequestInit = { method };
    if (body instanceof FormData) {
      init.body = body;
    } else if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'content-type': 'application/json' };
    }

    const response = await fetch(`${this.baseUrl}${path}`, init);
    const payload = (await response.json().catch(() => ({}))) as { message?: unknown; errors?: unknown };
    if (!response.ok) {
      const message = typeof payload.message === 'string' ? payload.message : JSON.stringify(payload);
      // Validation failures list each problem under `errors`.
      const details = Array.isArray(payload.errors) ? `: ${JSON.stringify(payload.errors)}` : '';
      throw new ApiError(response.status, `${message}${details}`);
    }

    return payload as T;
  }
}
