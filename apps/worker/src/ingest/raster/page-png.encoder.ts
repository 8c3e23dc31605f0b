import sharp from 'sharp';

export interface EncodedPage {
  png: Buffer;
  width: number;
  height: number;
}

/**
 * Encodes 8-bit raw pixels (1 gray or 3 RGB channels, row by row) as a page PNG.
 * An RGB image whose pixels are all gray is written as grayscale, which is a
 * third of the size and what OCR engines convert to anyway.
 */
export async function encodePagePng(
  pixels: Buffer,
  width: number,
  height: number,
  channels: 1 | 3,
  dpi: number | null,
): Promise<EncodedPage> {
  const gray = channels === 3 && isAllGray(pixels) ? takeFirstChannel(pixels, 3) : null;
  const raw = gray ?? pixels;
  const rawChannels = gray === null ? channels : 1;

  // The caller has already checked the pixel count against its own limit.
  const image = sharp(raw, { raw: { width, height, channels: rawChannels }, limitInputPixels: false }).toColourspace(
    rawChannels === 1 ? 'b-w' : 'srgb',
  );
  // A known resolution goes into the PNG so OCR engines need not guess it from the text size.
  const withDensity = dpi === null ? image : image.withDensity(dpi);
  const { data, info } = await withDensity.png().toBuffer({ resolveWithObject: true });

  return { png: data, width: info.width, height: info.height };
}

function isAllGray(rgb: Buffer): boolean {
  for (let i = 0; i < rgb.length; i += 3) {
    if (rgb[i] !== rgb[i + 1] || rgb[i] !== rgb[i + 2]) {
      return false;
    }
  }

  return true;
}

function takeFirstChannel(pixels: Buffer, channels: number): Buffer {
  const gray = Buffer.allocUnsafe(pixels.length / channels);
  for (let i = 0; i < gray.length; i++) {
    gray[i] = pixels[i * channels]!;
  }

  return gray;
}
