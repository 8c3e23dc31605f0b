/*
 * Messages between PaddleOcrProcess and its child, paddle-ocr.child.mts. They travel over Node's
 * IPC channel with `serialization: 'advanced'`, so the image arrives as a Uint8Array without base64
 * encoding. The parent sends one request and waits for its reply before sending the next.
 */

/** Settings the child reads from its first command-line argument, as JSON. */
export interface PaddleChildSettings {
  /** onnxruntime's threads for one operator; the child reads one page at a time. */
  threads: number;
}

export type PaddleRequest = { type: 'recognize'; id: number; image: Uint8Array };

/** One text line as `@gutenye/ocr-node` returns it: text, mean character probability (0-1) and four corners. */
export interface PaddleLine {
  text: string;
  mean: number;
  /** Corners clockwise from top left, as [x, y] in pixels of the image sent. */
  box: number[][];
}

export type PaddleReply =
  | { type: 'ready' }
  | { type: 'start-failed'; reason: string }
  | { type: 'lines'; id: number; lines: PaddleLine[] }
  | { type: 'failed'; id: number; reason: string };
