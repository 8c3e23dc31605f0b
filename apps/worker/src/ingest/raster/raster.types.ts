export interface RasterLimits {
  /** Largest page image, and for PDFs also the largest embedded image, in pixels (width × height). */
  maxPagePixels: number;
  /** Resolution at which PDF pages are rendered. Image files keep their own resolution. */
  dpi: number;
  /** Time allowed for opening a PDF, and then for each page, in milliseconds. */
  timeoutMs: number;
  /** Memory cap of the PDF renderer child process in MB: its V8 heap limit and its resident set size. */
  maxChildMemoryMb: number;
}

/**
 * Defaults for one worker process.
 *
 * 100 megapixels admits an A0 sheet at 200 dpi (6622 × 9362, 62 MP) and a
 * 9000 × 9000 scan (81 MP). It rejects a 35000 × 35000 decompression bomb
 * (1225 MP) and any page larger than about 50 × 50 inches at 200 dpi.
 *
 * The 3072 MB memory cap follows from that pixel limit. Rendering a PDF page
 * that shows a 9000 × 9000 embedded image peaked at 1.49 GB resident with
 * pdfjs-dist 6.5 and @napi-rs/canvas 1.2, about 17 bytes per image pixel.
 * That extrapolates to about 1.7 GB for a 100 MP image, plus 400 MB for a
 * 100 MP RGBA page canvas and the process baseline (an estimate).
 */
export const DEFAULT_RASTER_LIMITS: RasterLimits = {
  maxPagePixels: 100_000_000,
  dpi: 200,
  timeoutMs: 120_000,
  maxChildMemoryMb: 3072,
};

/** One word of a PDF's own text layer, with its box in pixels of the rendered page image. */
export interface PdfTextWord {
  text: string;
  bbox: { x0: number; y0: number; x1: number; y1: number };
}

export interface RasterPage {
  /** Zero-based position of the page in the document. */
  index: number;
  /** 8-bit PNG: grayscale when every pixel is gray, RGB otherwise, never with alpha. */
  png: Buffer;
  width: number;
  height: number;
  /** Pixels per inch: the render resolution for PDF pages, the file's own for images, null when unknown. */
  dpi: number | null;
  /** Words of a PDF page's text layer; null for images and for PDF pages without text. */
  textLayer: PdfTextWord[] | null;
}

export interface RasterizeOptions {
  /** Open password of an encrypted PDF. */
  password?: string;
  limits: RasterLimits;
  /** Aborting stops the work between pages and kills a running PDF renderer. */
  signal?: AbortSignal;
}
