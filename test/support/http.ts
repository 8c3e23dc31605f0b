import { readFile } from 'node:fs/promises';
import path from 'node:path';

export const SAMPLES = path.resolve(__dirname, '..', '..', '..', 'shared', 'samples');

export function samplePath(...parts: string[]): string {
  return path.join(SAMPLES, ...parts);
}

export interface JsonResponse<T = any> {
  status: number;
  body: T;
}

export async function getJson<T = any>(baseUrl: string, route: string): Promise<JsonResponse<T>> {
  const response = await fetch(`${baseUrl}${route}`);
  return { status: response.status, body: (await response.json()) as T };
}

export async function postJson<T = any>(baseUrl: string, route: string, body: unknown): Promise<JsonResponse<T>> {
  const response = await fetch(`${baseUrl}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

export async function uploadBytes<T = any>(
  baseUrl: string,
  filename: string,
  bytes: Uint8Array,
  fields: Record<string, string> = {},
): Promise<JsonResponse<T>> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), filename);
  for (const [name, value] of Object.entries(fields)) {
    form.append(name, value);
  }
  const response = await fetch(`${baseUrl}/api/documents`, { method: 'POST', body: form });
  return { status: response.status, body: (await response.json()) as T };
}

export async function uploadSample<T = any>(
  baseUrl: string,
  relativePath: string,
  fields: Record<string, string> = {},
): Promise<JsonResponse<T>> {
  return uploadBytes<T>(baseUrl, path.basename(relativePath), await readFile(samplePath(relativePath)), fields);
}

/** Sends any JSON request; the body of a 204 reply is null. */
export async function requestJson<T = any>(
  baseUrl: string,
  method: string,
  route: string,
  body?: unknown,
): Promise<JsonResponse<T>> {
  const response = await fetch(`${baseUrl}${route}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}
