import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { MediaType } from '@quire/contracts';
import sharp from 'sharp';

import { collectPages, rejectionOf, sample } from './raster.spec-helpers';
import { rasterizeDocument } from './rasterize-document';
import { DEFAULT_RASTER_LIMITS, type RasterLimits, type RasterPage } from './raster.types';

let workDir = '';

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'quire-raster-'));
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

async function collect(
  filePath: string,
  mediaType: MediaType,
  limits: Partial<RasterLimits> = {},
): Promise<RasterPage[]> {
  return collectPages(filePath, mediaType, limits);
}

async function pngInfo(
  page: RasterPage,
): Promise<{ format: string; width: number; height: number; channels: number; depth: string; hasAlpha: boolean }> {
  const { format, width, height, channels, depth, hasAlpha } = await sharp(page.png).metadata();

  return { format, width, height, channels, depth, hasAlpha };
}

describe('rasterizeDocument for images', () => {
  it.each([
    ['brochure_linn_two_column/linn.png', 'image/png', 2550, 3300, 72, 1],
    ['receipt_sroie_lowres_019/019.jpg', 'image/jpeg', 447, 915, 200, 3],
    ['magazine_unlv_8087_054/8087_054.3B.tif', 'image/tiff', 2560, 3300, 300, 1],
    ['multilingual_eurotext/eurotext.tif', 'image/tiff', 1024, 800, 300, 1],
  ] as const)('renders %s as one page', async (relativePath, mediaType, width, height, dpi, channels) => {
    const pages = await collect(sample(relativePath), mediaType);

    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({ index: 0, width, height, dpi, textLayer: null });
    expect(await pngInfo(pages[0]!)).toEqual({
      format: 'png',
      width,
      height,
      channels,
      depth: 'uchar',
      hasAlpha: false,
    });
  });

  it('renders each page of a CCITT G4 TIFF', async () => {
    const pages = await collect(sample('multipage_tiff_ccitt_g4_3pages/ccittg4multi.tif'), 'image/tiff');

    expect(pages.map((page) => page.index)).toEqual([0, 1, 2]);
    for (const page of pages) {
      expect(page).toMatchObject({ width: 344, height: 287, dpi: 120 });
      expect((await pngInfo(page)).channels).toBe(1);
      expect((await sharp(page.png).metadata()).density).toBe(120);
    }
    // Each page contains a different hand-drawn digit.
    expect(new Set(pages.map((page) => page.png.toString('base64'))).size).toBe(3);
  });

  it('decodes the fax letter in PBM', async () => {
    const pages = await collect(sample('letter_itu_fax_slerexe_1972/itu1.pbm'), 'image/x-portable-anymap');

    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({ index: 0, width: 1728, height: 2376, dpi: null, textLayer: null });
    const info = await pngInfo(pages[0]!);
    expect(info.channels).toBe(1);
    const stats = await sharp(pages[0]!.png).stats();
    expect(stats.channels[0]!.min).toBe(0);
    expect(stats.channels[0]!.max).toBe(255);
    // A typed letter is mostly white paper.
    expect(stats.channels[0]!.mean).toBeGreaterThan(200);
  });

  it('applies the EXIF orientation', async () => {
    const rotatedPath = path.join(workDir, 'orientation-6.jpg');
    // Orientation 6: the stored pixels must be turned 90 degrees clockwise to display upright.
    await sharp(sample('receipt_sroie_lowres_019/019.jpg')).withMetadata({ orientation: 6 }).jpeg().toFile(rotatedPath);

    const [page] = await collect(rotatedPath, 'image/jpeg');

    expect([page!.width, page!.height]).toEqual([915, 447]);
  });

  it('flattens transparency onto white', async () => {
    const transparentPath = path.join(workDir, 'transparent.png');
    await sharp({ create: { width: 4, height: 2, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toFile(transparentPath);

    const [page] = await collect(transparentPath, 'image/png');

    expect(await pngInfo(page!)).toMatchObject({ channels: 1, hasAlpha: false });
    const stats = await sharp(page!.png).stats();
    expect(stats.channels[0]!.min).toBe(255);
  });

  it('reduces 16-bit grayscale to 8 bits', async () => {
    const deepPath = path.join(workDir, 'gray16.png');
    await sharp(Buffer.alloc(8, 0x80), { raw: { width: 2, height: 2, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toFile(deepPath);

    const [page] = await collect(deepPath, 'image/png');

    expect(await pngInfo(page!)).toMatchObject({ channels: 1, depth: 'uchar' });
  });

  it('rejects a page over the pixel limit before decoding', async () => {
    const error = await rejectionOf(
      collect(sample('brochure_linn_two_column/linn.png'), 'image/png', { maxPagePixels: 1_000_000 }),
    );

    expect(error.code).toBe('pixel_limit');
    expect(error.message).toContain('Page 1 is 2550x3300 pixels (8.4 megapixels), over the limit of 1.0 megapixels');
  });

  it('rejects a Netpbm page over the pixel limit', async () => {
    const error = await rejectionOf(
      collect(sample('letter_itu_fax_slerexe_1972/itu1.pbm'), 'image/x-portable-anymap', { maxPagePixels: 1_000_000 }),
    );

    expect(error.code).toBe('pixel_limit');
    expect(error.message).toContain('Page 1 is 1728x2376 pixels');
  });

  it('rejects a truncated JPEG with the reason', async () => {
    const truncatedPath = path.join(workDir, 'truncated.jpg');
    const jpeg = readFileSync(sample('receipt_sroie_lowres_019/019.jpg'));
    writeFileSync(truncatedPath, jpeg.subarray(0, jpeg.length / 2));

    const error = await rejectionOf(collect(truncatedPath, 'image/jpeg'));

    expect(error.code).toBe('invalid_image');
    expect(error.message).toMatch(/^Cannot decode page 1: .*premature end of JPEG/);
  });

  it('rejects an empty TIFF', async () => {
    const error = await rejectionOf(collect(sample('malformed_zero_byte_tif/00000001_DESKEW.tif'), 'image/tiff'));

    expect(error.code).toBe('invalid_image');
    expect(error.message).toMatch(/^Cannot read the header of page 1: /);
  });

  it('rejects content that differs from the declared type', async () => {
    const error = await rejectionOf(collect(sample('brochure_linn_two_column/linn.png'), 'image/jpeg'));

    expect(error.code).toBe('invalid_image');
    expect(error.message).toContain('contains png data, not the declared jpeg');
  });

  it('rejects a truncated PBM', async () => {
    const truncatedPath = path.join(workDir, 'truncated.pbm');
    const pbm = readFileSync(sample('letter_itu_fax_slerexe_1972/itu1.pbm'));
    writeFileSync(truncatedPath, pbm.subarray(0, 1000));

    const error = await rejectionOf(collect(truncatedPath, 'image/x-portable-anymap'));

    expect(error.code).toBe('invalid_image');
    expect(error.message).toContain('P4 raster of 1728x2376 is truncated');
  });

  it('stops between TIFF pages when aborted', async () => {
    const controller = new AbortController();
    const generator = rasterizeDocument(sample('multipage_tiff_ccitt_g4_3pages/ccittg4multi.tif'), 'image/tiff', {
      limits: DEFAULT_RASTER_LIMITS,
      signal: controller.signal,
    });

    expect((await generator.next()).done).toBe(false);
    controller.abort(new Error('job cancelled'));

    await expect(generator.next()).rejects.toThrow('job cancelled');
  });
});
