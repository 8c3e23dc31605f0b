import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';

import {
  MEDIA_TYPE_EXTENSIONS,
  MEDIA_TYPE_SNIFF_LENGTH,
  MediaType,
  SUPPORTED_MEDIA_TYPES,
  sniffMediaType,
} from './media-type';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const samplesDir = path.resolve(repoRoot, '..', 'shared', 'samples');

function readHead(relativePath: string): Uint8Array {
  const descriptor = openSync(path.join(samplesDir, relativePath), 'r');
  try {
    const head = Buffer.alloc(MEDIA_TYPE_SNIFF_LENGTH);
    const length = readSync(descriptor, head, 0, head.length, 0);

    return head.subarray(0, length);
  } finally {
    closeSync(descriptor);
  }
}

function bytes(text: string): Uint8Array {
  return Buffer.from(text, 'latin1');
}

describe('sniffMediaType', () => {
  it.each([
    ['multipage_pdf_mixed_6pages/multipage.pdf', 'application/pdf'],
    ['encrypted_pdf_rc4_openpassword/libreoffice-writer-password.pdf', 'application/pdf'],
    ['malformed_pdf_header_then_eof/invalid.pdf', 'application/pdf'],
    ['brochure_linn_two_column/linn.png', 'image/png'],
    ['receipt_sroie_lowres_019/019.jpg', 'image/jpeg'],
    ['multipage_tiff_ccitt_g4_3pages/ccittg4multi.tif', 'image/tiff'],
    ['magazine_unlv_8087_054/8087_054.3B.tif', 'image/tiff'],
    ['letter_itu_fax_slerexe_1972/itu1.pbm', 'image/x-portable-anymap'],
  ])('detects %s as %s', (relativePath, expected) => {
    expect(sniffMediaType(readHead(relativePath))).toBe(expected);
  });

  it('rejects an empty file whatever its name', () => {
    expect(sniffMediaType(readHead('malformed_zero_byte_tif/00000001_DESKEW.tif'))).toBeNull();
  });

  it('rejects unknown and truncated headers', () => {
    expect(sniffMediaType(bytes('GIF89a'))).toBeNull();
    expect(sniffMediaType(bytes('P7\nWIDTH 1\n'))).toBeNull();
    expect(sniffMediaType(bytes('P4'))).toBeNull();
    expect(sniffMediaType(bytes('Plain text'))).toBeNull();
    expect(sniffMediaType(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toBeNull();
    expect(sniffMediaType(new Uint8Array([0xff, 0xd8]))).toBeNull();
  });

  it('detects every Netpbm magic number', () => {
    for (const kind of ['P1', 'P2', 'P3', 'P4', 'P5', 'P6']) {
      expect(sniffMediaType(bytes(`${kind}\n1 1\n`))).toBe('image/x-portable-anymap');
    }
    expect(sniffMediaType(bytes('P5 # comment\n1 1 255\n'))).toBe('image/x-portable-anymap');
    expect(sniffMediaType(bytes('P6#comment\n1 1 255\n'))).toBe('image/x-portable-anymap');
  });

  it('detects BigTIFF in both byte orders', () => {
    expect(sniffMediaType(new Uint8Array([0x49, 0x49, 0x2b, 0x00, 0x08, 0x00]))).toBe('image/tiff');
    expect(sniffMediaType(new Uint8Array([0x4d, 0x4d, 0x00, 0x2b, 0x00, 0x08]))).toBe('image/tiff');
  });

  it('finds a PDF header after leading bytes', () => {
    const head = new Uint8Array(600);
    head.set(bytes('%PDF-1.7\n'), 500);

    expect(sniffMediaType(head)).toBe('application/pdf');
  });

  it('ignores a PDF header past the sniff length', () => {
    const head = new Uint8Array(MEDIA_TYPE_SNIFF_LENGTH + 100);
    head.set(bytes('%PDF-1.7\n'), MEDIA_TYPE_SNIFF_LENGTH);

    expect(sniffMediaType(head)).toBeNull();
  });
});

describe('media type lists', () => {
  it('gives every supported type an extension', () => {
    for (const mediaType of SUPPORTED_MEDIA_TYPES) {
      expect(MEDIA_TYPE_EXTENSIONS[mediaType]).toMatch(/^[a-z]+$/);
    }
  });

  it('parses only supported types', () => {
    expect(MediaType.parse('image/tiff')).toBe('image/tiff');
    expect(MediaType.safeParse('image/gif').success).toBe(false);
  });
});
