import sharp from 'sharp';

import { rotateBox } from './rotate-box';

/** Paints one white box on black, turns the image with sharp and finds the white pixels again. */
async function whiteBoxAfterRotation(rotation: 0 | 90 | 180 | 270) {
  const width = 40;
  const height = 20;
  const pixels = Buffer.alloc(width * height);
  for (let y = 2; y < 6; y += 1) {
    for (let x = 5; x < 15; x += 1) {
      pixels[y * width + x] = 255;
    }
  }
  const turned = await sharp(pixels, { raw: { width, height, channels: 1 } })
    .rotate(rotation)
    .raw()
    .toBuffer({ resolveWithObject: true });

  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let y = 0; y < turned.info.height; y += 1) {
    for (let x = 0; x < turned.info.width; x += 1) {
      if (turned.data[(y * turned.info.width + x) * turned.info.channels]! > 128) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x + 1);
        y1 = Math.max(y1, y + 1);
      }
    }
  }

  return { expected: { x0, y0, x1, y1 }, actual: rotateBox({ x0: 5, y0: 2, x1: 15, y1: 6 }, rotation, width, height) };
}

describe('rotateBox', () => {
  it.each([0, 90, 180, 270] as const)('follows sharp for %i degrees', async (rotation) => {
    const { expected, actual } = await whiteBoxAfterRotation(rotation);

    expect(actual).toEqual(expected);
  });
});
