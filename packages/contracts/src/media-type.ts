import { z } from 'zod';

/**
 * Media types that ingest can turn into page images. `image/x-portable-anymap`
 * covers the whole Netpbm family (PBM, PGM and PPM, plain P1-P3 and raw P4-P6).
 */
export const SUPPORTED_MEDIA_TYPES = [
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/tiff',
  'image/x-portable-anymap',
] as const;

export const MediaType = z.enum(SUPPORTED_MEDIA_TYPES);
export type MediaType = (typeof SUPPORTED_MEDIA_TYPES)[number];

/** File extension, without the dot, used when a stored original is written out. */
export const MEDIA_TYPE_EXTENSIONS: Readonly<Record<MediaType, string>> = {
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/tiff': 'tif',
  'image/x-portable-anymap': 'pnm',
};

/**
 * Number of leading bytes that `sniffMediaType` inspects. PDF readers accept a
 * `%PDF-` header anywhere in the first 1024 bytes, so that is the longest look-ahead.
 */
export const MEDIA_TYPE_SNIFF_LENGTH = 1024;

const PDF_HEADER = ascii('%PDF-');
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SOI_MARKER = [0xff, 0xd8, 0xff];
// Classic TIFF (version 42) and BigTIFF (version 43), in little- and big-endian byte order.
const TIFF_HEADERS = [
  [0x49, 0x49, 0x2a, 0x00],
  [0x4d, 0x4d, 0x00, 0x2a],
  [0x49, 0x49, 0x2b, 0x00],
  [0x4d, 0x4d, 0x00, 0x2b],
];

/**
 * Detects the media type of a file from its first bytes (at least
 * `MEDIA_TYPE_SNIFF_LENGTH` of them when the file is that long). The file name
 * is never consulted, because an upload's name and extension are whatever the
 * client sent. Returns null for empty input and for any other format.
 *
 * Written by hand because the `file-type` package is ESM-only, while this
 * repository compiles to CommonJS and runs its tests under Jest. Five signatures
 * do not justify a dynamic-import wrapper.
 */
export function sniffMediaType(head: Uint8Array): MediaType | null {
  if (startsWith(head, PNG_SIGNATURE)) {
    return 'image/png';
  }
  if (startsWith(head, JPEG_SOI_MARKER)) {
    return 'image/jpeg';
  }
  if (TIFF_HEADERS.some((header) => startsWith(head, header))) {
    return 'image/tiff';
  }
  if (isNetpbmHeader(head)) {
    return 'image/x-portable-anymap';
  }
  if (indexOf(head.subarray(0, MEDIA_TYPE_SNIFF_LENGTH), PDF_HEADER) !== -1) {
    return 'application/pdf';
  }

  return null;
}

/** Netpbm magic numbers are `P1` to `P6` followed by whitespace or a `#` comment. */
function isNetpbmHeader(head: Uint8Array): boolean {
  if (head.length < 3 || head[0] !== 0x50) {
    return false;
  }
  const kind = head[1]!;
  const separator = head[2]!;
  const isNetpbmKind = kind >= 0x31 && kind <= 0x36;
  // Netpbm whitespace: space, tab, LF, VT, FF, CR.
  const isSeparator = separator === 0x20 || (separator >= 0x09 && separator <= 0x0d) || separator === 0x23;

  return isNetpbmKind && isSeparator;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((byte, i) => bytes[i] === byte);
}

function indexOf(bytes: Uint8Array, needle: readonly number[]): number {
  for (let start = 0; start + needle.length <= bytes.length; start++) {
    if (needle.every((byte, i) => bytes[start + i] === byte)) {
      return start;
    }
  }

  return -1;
}

function ascii(text: string): number[] {
  return Array.from(text, (character) => character.charCodeAt(0));
}
