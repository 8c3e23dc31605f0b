/*
 * Messages between the PDF rasterizer and its renderer child process. They
 * travel over Node's IPC channel with `serialization: 'advanced'`, so typed
 * arrays arrive as `Uint8Array` without base64 encoding. The parent sends one
 * request and waits for its reply before sending the next.
 */

export type RendererRequest =
  | {
      type: 'open';
      filePath: string;
      /** Open password; null for unencrypted documents. */
      password: string | null;
      dpi: number;
      /** Largest page and largest embedded image, in pixels. */
      maxPagePixels: number;
    }
  | { type: 'render'; pageIndex: number };

/** One text run of `getTextContent`, in PDF user space. */
export interface PdfTextRun {
  text: string;
  /** Text matrix [a, b, c, d, e, f]: the run starts at (e, f), (a, b) points along the baseline, (c, d) up. */
  transform: number[];
  /** Advance width of the whole run, in user space units. */
  width: number;
  /** Font size in user space units. */
  height: number;
  /** Font ascent and descent as fractions of the font size; null when the font does not define them. */
  ascent: number | null;
  descent: number | null;
}

export type RendererReply =
  | { type: 'opened'; pageCount: number }
  | {
      type: 'page';
      pageIndex: number;
      png: Uint8Array;
      width: number;
      height: number;
      /** Maps PDF user space to image pixels: x' = a·x + c·y + e, y' = b·x + d·y + f. */
      viewportTransform: number[];
      textRuns: PdfTextRun[];
    }
  | { type: 'page-too-large'; pageIndex: number; width: number; height: number }
  | { type: 'image-too-large'; pageIndex: number }
  | {
      type: 'failed';
      code: 'password_required' | 'password_incorrect' | 'invalid_pdf' | 'render_failed';
      reason: string;
    };
