import { IngestError } from './ingest.error';

/*
 * Netpbm (PBM, PGM, PPM) decoding, written by hand because the libvips bundled
 * with sharp 0.35 is built without its PPM loader ("unsupported image format").
 * The formats are plain enough that a decoder is shorter than any workaround.
 */

export type PnmKind = 'P1' | 'P2' | 'P3' | 'P4' | 'P5' | 'P6';

export interface PnmHeader {
  kind: PnmKind;
  width: number;
  height: number;
  /** Largest sample value; 1 for bitmaps (P1, P4). */
  maxValue: number;
  /** 1 for bitmaps and graymaps, 3 for pixmaps. */
  channels: 1 | 3;
  /** Byte offset of the first raster byte. */
  rasterOffset: number;
}

export interface PnmRaster {
  /** 8-bit samples, row by row, `channels` per pixel; bitmaps become 0 (black) and 255 (white). */
  pixels: Buffer;
  /** Byte offset just after this image, where the next image of a multi-image file may start. */
  endOffset: number;
}

const PNM_KINDS: readonly PnmKind[] = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6'];

/** Reads the header of the image that starts at `offset`; throws `invalid_image` when it is malformed. */
export function readPnmHeader(data: Uint8Array, offset = 0): PnmHeader {
  const magic = String.fromCharCode(data[offset] ?? 0, data[offset + 1] ?? 0);
  const kind = PNM_KINDS.find((candidate) => candidate === magic);
  if (kind === undefined) {
    throw invalid(`unknown magic number at byte ${offset}; expected P1 to P6`);
  }

  const cursor = { position: offset + 2 };
  const isBitmap = kind === 'P1' || kind === 'P4';
  const width = readHeaderInteger(data, cursor, 'width');
  const height = readHeaderInteger(data, cursor, 'height');
  const maxValue = isBitmap ? 1 : readHeaderInteger(data, cursor, 'maximum sample value');

  if (width < 1 || height < 1) {
    throw invalid(`image size ${width}x${height} is empty`);
  }
  if (maxValue < 1 || maxValue > 65535) {
    throw invalid(`maximum sample value ${maxValue} is outside 1 to 65535`);
  }

  // Exactly one whitespace byte separates the header from the raster; plain rasters skip it anyway.
  if (!isWhitespace(data[cursor.position])) {
    throw invalid(`expected whitespace after the header at byte ${cursor.position}`);
  }
  const channels = kind === 'P3' || kind === 'P6' ? 3 : 1;

  return { kind, width, height, maxValue, channels, rasterOffset: cursor.position + 1 };
}

/** Decodes the raster that `header` describes into 8-bit samples; throws `invalid_image` when data is missing. */
export function decodePnmRaster(data: Uint8Array, header: PnmHeader): PnmRaster {
  switch (header.kind) {
    case 'P4':
      return decodePackedBitmap(data, header);
    case 'P5':
    case 'P6':
      return decodeBinarySamples(data, header);
    case 'P1':
      return decodePlainBitmap(data, header);
    case 'P2':
    case 'P3':
      return decodePlainSamples(data, header);
  }
}

/** Returns the offset of a further image after `offset`, or null when only whitespace or other bytes follow. */
export function findNextPnmImage(data: Uint8Array, offset: number): number | null {
  let position = offset;
  while (position < data.length && isWhitespace(data[position])) {
    position++;
  }
  const startsImage = data[position] === 0x50 && (data[position + 1] ?? 0) >= 0x31 && (data[position + 1] ?? 0) <= 0x36;

  return startsImage ? position : null;
}

function decodePackedBitmap(data: Uint8Array, header: PnmHeader): PnmRaster {
  const { width, height, rasterOffset } = header;
  const rowBytes = Math.ceil(width / 8);
  const endOffset = rasterOffset + rowBytes * height;
  requireBytes(data, endOffset, header);

  const pixels = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) {
    const rowStart = rasterOffset + y * rowBytes;
    for (let x = 0; x < width; x++) {
      const bit = (data[rowStart + (x >> 3)]! >> (7 - (x & 7))) & 1;
      // In PBM a set bit is black.
      pixels[y * width + x] = bit === 1 ? 0 : 255;
    }
  }

  return { pixels, endOffset };
}

function decodeBinarySamples(data: Uint8Array, header: PnmHeader): PnmRaster {
  const { width, height, channels, maxValue, rasterOffset } = header;
  const sampleCount = width * height * channels;
  const bytesPerSample = maxValue > 255 ? 2 : 1;
  const endOffset = rasterOffset + sampleCount * bytesPerSample;
  requireBytes(data, endOffset, header);

  const pixels = Buffer.alloc(sampleCount);
  for (let i = 0; i < sampleCount; i++) {
    const position = rasterOffset + i * bytesPerSample;
    // Two-byte samples are big-endian.
    const value = bytesPerSample === 2 ? (data[position]! << 8) | data[position + 1]! : data[position]!;
    pixels[i] = scaleSample(value, maxValue);
  }

  return { pixels, endOffset };
}

function decodePlainBitmap(data: Uint8Array, header: PnmHeader): PnmRaster {
  const pixelCount = header.width * header.height;
  const pixels = Buffer.alloc(pixelCount);
  let position = header.rasterOffset;

  // Plain PBM digits need no whitespace between them, so each one is read on its own.
  for (let i = 0; i < pixelCount; i++) {
    position = skipWhitespaceAndComments(data, position);
    const digit = data[position];
    if (digit !== 0x30 && digit !== 0x31) {
      throw truncatedOrInvalid(data, position, header, i);
    }
    pixels[i] = digit === 0x31 ? 0 : 255;
    position++;
  }

  return { pixels, endOffset: position };
}

function decodePlainSamples(data: Uint8Array, header: PnmHeader): PnmRaster {
  const sampleCount = header.width * header.height * header.channels;
  const pixels = Buffer.alloc(sampleCount);
  const cursor = { position: header.rasterOffset };

  for (let i = 0; i < sampleCount; i++) {
    cursor.position = skipWhitespaceAndComments(data, cursor.position);
    if (!isDigit(data[cursor.position])) {
      throw truncatedOrInvalid(data, cursor.position, header, i);
    }
    const value = readDigits(data, cursor);
    if (value > header.maxValue) {
      throw invalid(`sample ${value} exceeds the maximum sample value ${header.maxValue}`);
    }
    pixels[i] = scaleSample(value, header.maxValue);
  }

  return { pixels, endOffset: cursor.position };
}

function scaleSample(value: number, maxValue: number): number {
  if (maxValue === 255) {
    return value;
  }

  return Math.min(255, Math.round((value * 255) / maxValue));
}

function readHeaderInteger(data: Uint8Array, cursor: { position: number }, field: string): number {
  cursor.position = skipWhitespaceAndComments(data, cursor.position);
  if (!isDigit(data[cursor.position])) {
    throw invalid(`missing ${field} in the header at byte ${cursor.position}`);
  }

  return readDigits(data, cursor);
}

function readDigits(data: Uint8Array, cursor: { position: number }): number {
  let value = 0;
  while (isDigit(data[cursor.position])) {
    value = value * 10 + (data[cursor.position]! - 0x30);
    cursor.position++;
    // Any value this large is already invalid; stopping keeps the number exact.
    if (value > Number.MAX_SAFE_INTEGER / 10) {
      throw invalid(`number at byte ${cursor.position} is too large`);
    }
  }

  return value;
}

function skipWhitespaceAndComments(data: Uint8Array, start: number): number {
  let position = start;
  while (position < data.length) {
    if (isWhitespace(data[position])) {
      position++;
    } else if (data[position] === 0x23) {
      // A comment runs from '#' to the end of the line.
      while (position < data.length && data[position] !== 0x0a && data[position] !== 0x0d) {
        position++;
      }
    } else {
      break;
    }
  }

  return position;
}

function isWhitespace(byte: number | undefined): boolean {
  return byte === 0x20 || (byte !== undefined && byte >= 0x09 && byte <= 0x0d);
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

function requireBytes(data: Uint8Array, endOffset: number, header: PnmHeader): void {
  if (data.length < endOffset) {
    const expected = endOffset - header.rasterOffset;
    const found = Math.max(0, data.length - header.rasterOffset);
    throw invalid(
      `${header.kind} raster of ${header.width}x${header.height} is truncated: expected ${expected} bytes, found ${found}`,
    );
  }
}

function truncatedOrInvalid(data: Uint8Array, position: number, header: PnmHeader, sampleIndex: number): IngestError {
  if (position >= data.length) {
    return invalid(
      `${header.kind} raster of ${header.width}x${header.height} is truncated after ${sampleIndex} samples`,
    );
  }

  return invalid(
    `unexpected byte 0x${data[position]!.toString(16).padStart(2, '0')} in the ${header.kind} raster at byte ${position}`,
  );
}

function invalid(reason: string): IngestError {
  return new IngestError('invalid_image', `Invalid Netpbm image: ${reason}.`);
}
