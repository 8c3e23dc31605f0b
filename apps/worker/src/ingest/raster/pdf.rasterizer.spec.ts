import { readFileSync } from 'node:fs';

import sharp from 'sharp';

import { collectPages, rejectionOf, sample } from './raster.spec-helpers';
import { rasterizeDocument } from './rasterize-document';
import { DEFAULT_RASTER_LIMITS, type RasterLimits, type RasterPage } from './raster.types';

const MULTIPAGE_PDF = sample('multipage_pdf_mixed_6pages/multipage.pdf');
const HUGE_PDF = sample('huge_pdf_35000px_bilevel_bomb/hugemono.pdf');
const ENCRYPTED_PDF = sample('encrypted_pdf_rc4_openpassword/libreoffice-writer-password.pdf');
const INVALID_PDF = sample('malformed_pdf_header_then_eof/invalid.pdf');
const NEWSPAPER_PDF = sample('newspaper_chronam_evening_star_1865/0007.pdf');
const NEWSPAPER_ALTO = sample('newspaper_chronam_evening_star_1865/0007.xml');

// Rendering a 9000 x 9000 embedded image takes several seconds on a small machine.
jest.setTimeout(120_000);

function collectPdf(filePath: string, limits: Partial<RasterLimits> = {}, password?: string): Promise<RasterPage[]> {
  return collectPages(filePath, 'application/pdf', limits, password);
}

describe('rasterizeDocument for PDF', () => {
  let multipage: RasterPage[] = [];

  beforeAll(async () => {
    multipage = await collectPdf(MULTIPAGE_PDF);
  });

  it('renders all six pages of mixed sizes', async () => {
    const pages = multipage;

    expect(pages.map((page) => page.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(pages.map((page) => [page.width, page.height])).toEqual([
      [1067, 1308],
      [6000, 6000],
      [1996, 833],
      [1996, 833],
      [1700, 2200],
      [2200, 1700],
    ]);
    for (const page of pages) {
      const metadata = await sharp(page.png).metadata();
      expect(metadata.format).toBe('png');
      expect(metadata.depth).toBe('uchar');
      expect(metadata.hasAlpha).toBe(false);
      expect([metadata.width, metadata.height]).toEqual([page.width, page.height]);
      expect(page.dpi).toBe(200);
      expect(metadata.density).toBe(200);
    }
  });

  it('draws the 9000 x 9000 image that is under the default limit', async () => {
    const stats = await sharp(multipage[1]!.png).stats();

    // The image is dark text on white; without it the page would be plain white.
    expect(stats.channels[0]!.min).toBeLessThan(128);
  });

  it('has no text layer on pages without text', () => {
    expect(multipage[0]!.textLayer).toBeNull();
    expect(multipage[3]!.textLayer).not.toBeNull();
  });

  it('rejects an embedded image over the limit', async () => {
    // Page 2 is 6000 x 6000 (36 MP) at 200 dpi, but its image has 81 MP.
    const generator = rasterizeDocument(MULTIPAGE_PDF, 'application/pdf', {
      limits: { ...DEFAULT_RASTER_LIMITS, maxPagePixels: 50_000_000 },
    });

    try {
      const first = await generator.next();
      expect(first.done).toBe(false);

      const error = await rejectionOf(generator.next());
      expect(error.code).toBe('pixel_limit');
      expect(error.message).toContain('Page 2 contains an embedded image');
      expect(error.message).toContain('50.0 megapixels');
    } finally {
      // Stops the renderer when an assertion fails before the generator has ended.
      await generator.return(undefined);
    }
  });

  it('rejects the 35000 px bomb by page size', async () => {
    // The 300 MB cap is far below what a 23333 x 23333 canvas would need.
    const error = await rejectionOf(collectPdf(HUGE_PDF, { maxChildMemoryMb: 300 }));

    expect(error.code).toBe('pixel_limit');
    expect(error.message).toContain('Page 1 is 23333x23333 pixels at 200 dpi');
    expect(error.message).toContain('over the limit of 100.0 megapixels');
  });

  it('rejects the 35000 px bomb by image size on a small page', async () => {
    // At 2 dpi the 8400 pt page is 233 px wide, so only the embedded image check can stop it.
    const error = await rejectionOf(collectPdf(HUGE_PDF, { dpi: 2, maxChildMemoryMb: 300 }));

    expect(error.code).toBe('pixel_limit');
    expect(error.message).toContain('Page 1 contains an embedded image');
  });

  it('requires the password of an encrypted PDF', async () => {
    const error = await rejectionOf(collectPdf(ENCRYPTED_PDF));

    expect(error.code).toBe('password_required');
    expect(error.message).toBe('PDF is encrypted and needs a password; upload it again with the password field.');
  });

  it('rejects a wrong password', async () => {
    const error = await rejectionOf(collectPdf(ENCRYPTED_PDF, {}, 'not-the-password'));

    expect(error.code).toBe('password_incorrect');
  });

  it('opens an encrypted PDF with its password', async () => {
    const pages = await collectPdf(ENCRYPTED_PDF, {}, 'openpassword');

    expect(pages).toHaveLength(1);
    expect([pages[0]!.width, pages[0]!.height]).toEqual([1654, 2339]);
    const words = pages[0]!.textLayer?.map((word) => word.text) ?? [];
    expect(words.slice(0, 3)).toEqual(['Lorem', 'ipsum', 'dolor']);
  });

  it('rejects a malformed PDF with the reason', async () => {
    const error = await rejectionOf(collectPdf(INVALID_PDF));

    expect(error.code).toBe('invalid_pdf');
    expect(error.message).toContain('Invalid PDF structure');
  });

  it('times out a render that exceeds the limit', async () => {
    // Starting Node.js and loading pdfjs alone takes far longer than 1 ms.
    const error = await rejectionOf(collectPdf(MULTIPAGE_PDF, { timeoutMs: 1 }));

    expect(error.code).toBe('render_timeout');
    expect(error.message).toContain('Opening the PDF timed out after 1 ms');
  });

  it('kills a renderer over its memory cap', async () => {
    const error = await rejectionOf(collectPdf(MULTIPAGE_PDF, { maxChildMemoryMb: 400 }));

    expect(error.code).toBe('render_failed');
    expect(error.message).toMatch(/over the limit of 400 MB|heap out of memory/);
  });

  it('stops with the abort reason', async () => {
    const controller = new AbortController();
    const generator = rasterizeDocument(MULTIPAGE_PDF, 'application/pdf', {
      limits: DEFAULT_RASTER_LIMITS,
      signal: controller.signal,
    });

    try {
      const pending = generator.next();
      controller.abort(new Error('job cancelled'));

      await expect(pending).rejects.toThrow('job cancelled');
      await expect(generator.next()).resolves.toEqual({ done: true, value: undefined });
    } finally {
      await generator.return(undefined);
    }
  });

  it('stops early when the caller breaks off', async () => {
    const indexes: number[] = [];
    for await (const page of rasterizeDocument(MULTIPAGE_PDF, 'application/pdf', { limits: DEFAULT_RASTER_LIMITS })) {
      indexes.push(page.index);
      break;
    }

    expect(indexes).toEqual([0]);
  });
});

describe('rasterizeDocument text layer', () => {
  it('reads the newspaper words with boxes near the ALTO ones', async () => {
    const [page] = await collectPdf(NEWSPAPER_PDF);
    const words = page!.textLayer ?? [];

    expect([page!.width, page!.height]).toEqual([3099, 4624]);
    expect(words.length).toBeGreaterThan(5000);
    for (const { bbox } of words) {
      expect(bbox.x0).toBeGreaterThanOrEqual(0);
      expect(bbox.y0).toBeGreaterThanOrEqual(0);
      expect(bbox.x1).toBeLessThanOrEqual(page!.width);
      expect(bbox.y1).toBeLessThanOrEqual(page!.height);
    }

    // ALTO positions are in 1/1200 inch; the page is rendered at 200 dpi.
    const alto = readFileSync(NEWSPAPER_ALTO, 'utf8');
    const altoEvening = /<String [^>]*CONTENT="EVENING"[^>]*WIDTH="(\d+)" HPOS="(\d+)" VPOS="(\d+)"/.exec(alto);
    const evening = words.find((word) => word.text === 'EVENING');
    expect(altoEvening).not.toBeNull();
    expect(evening).toBeDefined();
    const [, altoWidth, altoLeft, altoTop] = altoEvening!.map(Number);
    const altoCenterX = ((altoLeft! + altoWidth! / 2) * 200) / 1200;
    const altoTopPixels = (altoTop! * 200) / 1200;
    expect(Math.abs((evening!.bbox.x0 + evening!.bbox.x1) / 2 - altoCenterX)).toBeLessThan(15);
    expect(Math.abs(evening!.bbox.y0 - altoTopPixels)).toBeLessThan(15);
  });
});
