import type { BoundingBox } from '@quire/models';

/**
 * Maps a box on an image of `width` x `height` to the same region after the image
 * is turned `rotation` degrees clockwise (as sharp's `rotate` turns it).
 */
export function rotateBox(box: BoundingBox, rotation: 0 | 90 | 180 | 270, width: number, height: number): BoundingBox {
  switch (rotation) {
    case 0:
      return { ...box };
    case 90:
      return { x0: height - box.y1, y0: box.x0, x1: height - box.y0, y1: box.x1 };
    case 180:
      return { x0: width - box.x1, y0: height - box.y1, x1: width - box.x0, y1: height - box.y0 };
    case 270:
      return { x0: box.y0, y0: width - box.x1, x1: box.y1, y1: width - box.x0 };
  }
}
