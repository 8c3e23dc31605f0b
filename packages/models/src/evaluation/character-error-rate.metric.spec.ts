import {
  characterErrorCounts,
  characterErrorRate,
  codePointDistance,
  normalizeForComparison,
} from './character-error-rate.metric';

describe('normalizeForComparison', () => {
  it('collapses whitespace runs and trims', () => {
    expect(normalizeForComparison('  The quick\n\n brown\tfox \r\n')).toBe('The quick brown fox');
  });

  it('composes accents to NFC', () => {
    expect(normalizeForComparison('cafe\u0301')).toBe('caf\u00e9');
  });
});

describe('codePointDistance', () => {
  it.each([
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['same', 'same', 0],
    ['flaw', 'lawn', 2],
  ])('distance(%j, %j) is %i', (a, b, expected) => {
    expect(codePointDistance(a, b)).toBe(expected);
  });

  it('counts an astral character as one', () => {
    // '😀' is two UTF-16 code units; a code-unit distance would give 2 here.
    expect(codePointDistance('a😀b', 'ab')).toBe(1);
    expect(codePointDistance('a😀b', 'a😃b')).toBe(1);
  });

  it('handles texts longer than 32 characters', () => {
    const reference = 'The quick brown fox jumps over the lazy dog. '.repeat(20);
    const hypothesis = reference.replace(/o/g, '0');

    expect(codePointDistance(reference, hypothesis)).toBe([...reference].filter((c) => c === 'o').length);
  });
});

describe('characterErrorRate', () => {
  it('is 0 for texts that differ only in whitespace', () => {
    expect(characterErrorRate('a  b\nc', ' a b c ')).toBe(0);
  });

  it('divides by the reference length in code points', () => {
    // Reference "abcd" (4), hypothesis "abxd": one substitution.
    expect(characterErrorRate('abcd', 'abxd')).toBe(0.25);
    expect(characterErrorRate('😀😀😀😀', '😀😀😀')).toBe(0.25);
  });

  it('can exceed 1 with extra text', () => {
    expect(characterErrorRate('ab', 'abcdef')).toBe(2);
  });

  it('rejects an empty reference', () => {
    expect(() => characterErrorRate(' \n ', 'x')).toThrow(RangeError);
  });
});

describe('characterErrorCounts', () => {
  it('returns distance and normalised reference length', () => {
    expect(characterErrorCounts(' Hund  über ', 'Hund uber')).toEqual({ distance: 1, referenceLength: 9 });
  });
});
