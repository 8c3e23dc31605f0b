import { IngestError } from './ingest.error';
import { PdfRenderProcess } from './pdf-render.process';
import type { RendererReply } from './pdf-render.protocol';
import { textRunsToWords } from './pdf-text-layer';
import { assertPageWithinPixelLimit, formatMegapixels } from './pixel-limit';
import type { RasterLimits, RasterPage, RasterizeOptions } from './raster.types';

/**
 * Renders every page of a PDF at `limits.dpi` in a child process, one page per
 * request, so only the page the caller is working on is in memory. The child is
 * killed when the generator finishes, fails or is closed early.
 */
export async function* rasterizePdf(
  filePath: string,
  { password, limits, signal }: RasterizeOptions,
): AsyncGenerator<RasterPage> {
  signal?.throwIfAborted();
  const renderer = new PdfRenderProcess(limits);

  try {
    const opened = await renderer.request(
      { type: 'open', filePath, password: password ?? null, dpi: limits.dpi, maxPagePixels: limits.maxPagePixels },
      'opening the PDF',
      signal,
    );
    const pageCount = pageCountOf(opened);

    for (let index = 0; index < pageCount; index++) {
      const reply = await renderer.request(
        { type: 'render', pageIndex: index },
        `rendering page ${index + 1} of ${pageCount}`,
        signal,
      );

      yield pageOf(reply, index, limits);
    }
  } finally {
    await renderer.stop();
  }
}

function pageCountOf(reply: RendererReply): number {
  if (reply.type === 'opened') {
    return reply.pageCount;
  }

  throw errorOf(reply, 'opening the PDF');
}

function pageOf(reply: RendererReply, index: number, limits: RasterLimits): RasterPage {
  const pageNumber = index + 1;
  if (reply.type === 'page-too-large') {
    assertPageWithinPixelLimit(pageNumber, reply.width, reply.height, limits.maxPagePixels, ` at ${limits.dpi} dpi`);
  }
  if (reply.type === 'image-too-large') {
    throw new IngestError(
      'pixel_limit',
      `Page ${pageNumber} contains an embedded image larger than the limit of ${formatMegapixels(limits.maxPagePixels)}; ` +
        'split or downscale the document and upload it again.',
    );
  }
  if (reply.type !== 'page') {
    throw errorOf(reply, `rendering page ${pageNumber}`);
  }

  return {
    index,
    png: Buffer.from(reply.png.buffer, reply.png.byteOffset, reply.png.byteLength),
    width: reply.width,
    height: reply.height,
    dpi: limits.dpi,
    textLayer: textRunsToWords(reply.textRuns, reply.viewportTransform, reply.width, reply.height),
  };
}

function errorOf(reply: RendererReply, during: string): IngestError {
  if (reply.type !== 'failed') {
    return new IngestError(
      'render_failed',
      `The PDF renderer sent an unexpected '${reply.type}' reply while ${during}.`,
    );
  }

  switch (reply.code) {
    case 'password_required':
      return new IngestError(
        'password_required',
        'PDF is encrypted and needs a password; upload it again with the password field.',
      );
    case 'password_incorrect':
      return new IngestError(
        'password_incorrect',
        'The password does not open this encrypted PDF; upload it again with the correct password.',
      );
    case 'invalid_pdf':
      return new IngestError(
        'invalid_pdf',
        `The file is not a readable PDF (${reply.reason.replace(/\.$/, '')}); check that it opens in a PDF viewer and upload it again.`,
      );
    case 'render_failed':
      return new IngestError('render_failed', `PDF rendering failed while ${during}: ${reply.reason}.`);
  }
}
