import sharp from 'sharp';

export interface ModelImage {
  data: Buffer;
  width: number;
  height: number;
  /** True when the image was scaled down to fit `maxSide`. */
  resized: boolean;
}

/**
 * Scales a PNG page image down so its longer side is at most `maxSide` pixels,
 * keeping its aspect ratio; a smaller image is returned unchanged. Vision
 * models read images at about 2000 pixels at most (GPT-4o scales larger ones
 * to fit 2048 x 2048), and providers cap inline images (20 MB on OpenAI and
 * Gemini), so a 200 dpi scan of a large page is sent at the size the model
 * reads instead of failing or paying for pixels the model does not read.
 */
export async function fitImageForModel(png: Buffer, maxSide: number): Promise<ModelImage> {
  const { width = 0, height = 0 } = await sharp(png).metadata();
  if (maxSide <= 0 || Math.max(width, height) <= maxSide) {
    return { data: png, width, height, resized: false };
  }

  const { data, info } = await sharp(png)
    .resize({ width: maxSide, height: maxSide, fit: 'inside' })
    .png()
    .toBuffer({ resolveWithObject: true });

  return { data, width: info.width, height: info.height, resized: true };
}
