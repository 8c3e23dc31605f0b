import { distance } from 'fastest-levenshtein';

export interface CharacterErrorCounts {
  /** Levenshtein distance in Unicode code points between the normalised texts. */
  distance: number;
  /** Code points in the normalised reference. */
  referenceLength: number;
}

/**
 * Prepares text for comparison: Unicode NFC (so a precomposed "é" equals "e" plus a combining
 * accent), every run of whitespace as one space, and no leading or trailing whitespace.
 */
export function normalizeForComparison(text: string): string {
  return text.normalize('NFC').replace(/\s+/gu, ' ').trim();
}

/**
 * Returns the Levenshtein distance between two strings counted in Unicode code points.
 *
 * fastest-levenshtein compares UTF-16 code units, so a character outside the Basic Multilingual
 * Plane (an emoji, rare CJK) would count as two. Both strings are therefore re-encoded first with
 * one code unit per distinct code point, which keeps every distance exact.
 */
export function codePointDistance(a: string, b: string): number {
  const units = new Map<number, string>();
  const encode = (text: string): string => {
    let encoded = '';
    for (const character of text) {
      const codePoint = character.codePointAt(0) ?? 0;
      let unit = units.get(codePoint);
      if (unit === undefined) {
        if (units.size === 0x10000) {
          throw new RangeError('The texts contain more than 65536 distinct code points, too many to compare.');
        }
        unit = String.fromCharCode(units.size);
        units.set(codePoint, unit);
      }
      encoded += unit;
    }

    return encoded;
  };

  return distance(encode(a), encode(b));
}

/** Returns the edit distance and reference length after normalisation, for summing over many texts. */
export function characterErrorCounts(reference: string, hypothesis: string): CharacterErrorCounts {
  const normalizedReference = normalizeForComparison(reference);
  const normalizedHypothesis = normalizeForComparison(hypothesis);

  return {
    distance: codePointDistance(normalizedReference, normalizedHypothesis),
    referenceLength: [...normalizedReference].length,
  };
}

/**
 * Character error rate: edit distance in code points divided by the reference length, both after
 * `normalizeForComparison`. It is 0 for a perfect match and can exceed 1 when the hypothesis has
 * much extra text. Throws a RangeError when the reference is empty, where the rate is undefined.
 */
export function characterErrorRate(reference: string, hypothesis: string): number {
  const counts = characterErrorCounts(reference, hypothesis);
  if (counts.referenceLength === 0) {
    throw new RangeError(
      'The reference text is empty after normalisation, so the character error rate is undefined; ' +
        'use characterErrorCounts to get the edit distance instead.',
    );
  }

  return counts.distance / counts.referenceLength;
}
