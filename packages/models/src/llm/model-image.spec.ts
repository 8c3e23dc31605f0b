import sharp from 'sharp';

import { fitImageForModel } from './model-image';

async function blankPng(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .png()
    .toBuffer();
}

describe('fitImageForModel', () => {
  it('scales a large page down to the longer side, keeping its aspect ratio', async () => {
    const fitted = await fitImageForModel(await blankPng(4000, 2864), 2048);

    expect(fitted).toMatchObject({ width: 2048, height: 1466, resized: true });
    expect(await sharp(fitted.data).metadata()).toMatchObject({ format: 'png', width: 2048, height: 1466 });
  });

  it('returns a page that fits unchanged', async () => {
    const png = await blankPng(1200, 1600);

    const fitted = await fitImageForModel(png, 2048);

    expect(fitted.resized).toBe(false);
    expect(fitted.data).toBe(png);
  });

  it('never scales with a limit of 0', async () => {
    const fitted = await fitImageForModel(await blankPng(3000, 100), 0);

    expect(fitted).toMatchObject({ width: 3000, height: 100, resized: false });
  });
});
