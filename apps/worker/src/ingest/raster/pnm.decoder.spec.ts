import { readFileSync } from 'node:fs';
import path from 'node:path';

import { IngestError } from './ingest.error';
import { decodePnmRaster, findNextPnmImage, readPnmHeader } from './pnm.decoder';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..', '..');
const samplesDir = path.resolve(repoRoot, '..', 'shared', 'samples');

function decode(
  data: Buffer,
  offset = 0,
): { header: ReturnType<typeof readPnmHeader>; pixels: number[]; endOffset: number } {
  const header = readPnmHeader(data, offset);
  const { pixels, endOffset } = decodePnmRaster(data, header);

  return { header, pixels: [...pixels], endOffset };
}

function invalidReason(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof IngestError && error.code === 'invalid_image') {
      return error.message;
    }
    throw error;
  }
  throw new Error('expected an invalid_image error');
}

describe('Netpbm decoder', () => {
  it('reads the header of the fax letter', () => {
    const data = readFileSync(path.join(samplesDir, 'letter_itu_fax_slerexe_1972', 'itu1.pbm'));

    expect(readPnmHeader(data)).toEqual({
      kind: 'P4',
      width: 1728,
      height: 2376,
      maxValue: 1,
      channels: 1,
      rasterOffset: 13,
    });
  });

  it('decodes plain PBM with and without spaces', () => {
    const spaced = decode(Buffer.from('P1\n# two by two\n2 2\n1 0\n0 1\n'));
    const packed = decode(Buffer.from('P1 2 2 1001'));

    expect(spaced.pixels).toEqual([0, 255, 255, 0]);
    expect(packed.pixels).toEqual([0, 255, 255, 0]);
  });

  it('decodes packed PBM with padded rows', () => {
    // Width 10 needs two bytes a row; the last six bits of each row are padding.
    const data = Buffer.concat([
      Buffer.from('P4\n10 2\n'),
      Buffer.from([0b10000000, 0b01111111, 0b00000000, 0b11000000]),
    ]);

    expect(decode(data).pixels).toEqual([
      0, 255, 255, 255, 255, 255, 255, 255, 255, 0, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0,
    ]);
  });

  it('scales plain PGM samples to 8 bits', () => {
    const { header, pixels } = decode(Buffer.from('P2\n3 1\n15\n0 15 5\n'));

    expect(header.maxValue).toBe(15);
    expect(pixels).toEqual([0, 255, 85]);
  });

  it('decodes binary PGM with 16-bit samples', () => {
    const data = Buffer.concat([Buffer.from('P5\n2 1\n65535\n'), Buffer.from([0xff, 0xff, 0x80, 0x00])]);

    expect(decode(data).pixels).toEqual([255, 128]);
  });

  it('decodes plain and binary PPM as RGB', () => {
    const plain = decode(Buffer.from('P3\n2 1\n255\n255 0 0  0 0 255\n'));
    const binary = decode(Buffer.concat([Buffer.from('P6\n1 1\n255\n'), Buffer.from([1, 2, 3])]));

    expect(plain.header.channels).toBe(3);
    expect(plain.pixels).toEqual([255, 0, 0, 0, 0, 255]);
    expect(binary.pixels).toEqual([1, 2, 3]);
  });

  it('finds the second image of a multi-image file', () => {
    const data = Buffer.concat([
      Buffer.from('P5\n1 1\n255\n'),
      Buffer.from([7]),
      Buffer.from('\nP5 1 1 255\n'),
      Buffer.from([9]),
    ]);

    const first = decode(data);
    const nextOffset = findNextPnmImage(data, first.endOffset);
    expect(nextOffset).not.toBeNull();
    const second = decode(data, nextOffset!);

    expect(first.pixels).toEqual([7]);
    expect(second.pixels).toEqual([9]);
    expect(findNextPnmImage(data, second.endOffset)).toBeNull();
  });

  it('rejects malformed headers', () => {
    expect(invalidReason(() => readPnmHeader(Buffer.from('P7\n1 1\n')))).toContain('unknown magic number');
    expect(invalidReason(() => readPnmHeader(Buffer.from('')))).toContain('unknown magic number');
    expect(invalidReason(() => readPnmHeader(Buffer.from('P5\n1\n')))).toContain('missing height');
    expect(invalidReason(() => readPnmHeader(Buffer.from('P5\n0 1 255\n')))).toContain('is empty');
    expect(invalidReason(() => readPnmHeader(Buffer.from('P5\n1 1 70000\n')))).toContain('outside 1 to 65535');
  });

  it('rejects truncated and invalid rasters', () => {
    expect(invalidReason(() => decode(Buffer.from('P5\n2 2\n255\nab')))).toContain('expected 4 bytes, found 2');
    expect(invalidReason(() => decode(Buffer.from('P1\n2 2\n1 0 1')))).toContain('truncated after 3 samples');
    expect(invalidReason(() => decode(Buffer.from('P1\n1 1\n2\n')))).toContain('unexpected byte 0x32');
    expect(invalidReason(() => decode(Buffer.from('P2\n1 1\n10\n11\n')))).toContain(
      'sample 11 exceeds the maximum sample value 10',
    );
  });
});
