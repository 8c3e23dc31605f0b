import type { BoundingBox, OcrWord } from '../ocr/ocr-engine';
import { matchWordsByBox, overlapOfSmaller, type ReferenceWord } from './word-box-match.metric';

const box = (x0: number, y0: number, x1: number, y1: number): BoundingBox => ({ x0, y0, x1, y1 });
const ref = (text: string, bbox: BoundingBox): ReferenceWord => ({ text, bbox });
const hyp = (text: string, bbox: BoundingBox): OcrWord => ({ text, bbox, confidence: 90 });

describe('overlapOfSmaller', () => {
  it('is 1 for a box inside another', () => {
    expect(overlapOfSmaller(box(0, 0, 100, 20), box(10, 2, 30, 18))).toBe(1);
  });

  it('is 0 for disjoint or touching boxes', () => {
    expect(overlapOfSmaller(box(0, 0, 10, 10), box(10, 0, 20, 10))).toBe(0);
    expect(overlapOfSmaller(box(0, 0, 10, 10), box(50, 50, 60, 60))).toBe(0);
  });

  it('is 0 for a box without area', () => {
    expect(overlapOfSmaller(box(0, 0, 10, 10), box(5, 5, 5, 8))).toBe(0);
  });

  it('divides by the smaller area', () => {
    // Intersection 5x10 = 50; smaller box 10x10 = 100.
    expect(overlapOfSmaller(box(0, 0, 10, 10), box(5, 0, 40, 10))).toBe(0.5);
  });
});

describe('matchWordsByBox', () => {
  it('scores exact matches as 0', () => {
    const result = matchWordsByBox(
      [ref('TO:', box(100, 345, 130, 360)), ref('DATE:', box(100, 405, 150, 425))],
      [hyp('DATE:', box(101, 406, 148, 423)), hyp('TO:', box(102, 346, 129, 359))],
    );

    expect(result.wordCharacterErrorRate).toBe(0);
    expect(result.pairs.map((pair) => pair.hypothesisText)).toEqual(['TO:', 'DATE:']);
    expect(result.unmatchedHypothesis).toEqual([]);
  });

  it('joins a split word left to right', () => {
    const result = matchWordsByBox(
      [ref('TO:', box(100, 340, 140, 362))],
      [hyp(':', box(125, 346, 130, 359)), hyp('TO', box(102, 346, 124, 359))],
    );

    expect(result.pairs[0]?.hypothesisText).toBe('TO :');
    expect(result.pairs[0]?.distance).toBe(1);
    expect(result.wordCharacterErrorRate).toBeCloseTo(1 / 3);
  });

  it('counts a missed reference word as deleted', () => {
    const result = matchWordsByBox(
      [ref('Fax', box(0, 0, 30, 10)), ref('Number', box(40, 0, 100, 10))],
      [hyp('Fax', box(0, 0, 30, 10))],
    );

    expect(result.pairs[1]?.hypothesis).toEqual([]);
    expect(result.pairs[1]?.distance).toBe(6);
    expect(result.wordCharacterErrorRate).toBeCloseTo(6 / 9);
  });

  it('leaves out hypothesis words below minOverlap', () => {
    const stray = hyp('noise', box(500, 500, 540, 510));
    const edge = hyp('Fa', box(25, 0, 60, 10)); // overlaps 5 of its 35 pixels wide
    const result = matchWordsByBox([ref('Fax', box(0, 0, 30, 10))], [stray, edge]);

    expect(result.unmatchedHypothesis).toEqual([stray, edge]);
    expect(result.wordCharacterErrorRate).toBe(1);
  });

  it('gives a hypothesis word to the better overlap', () => {
    const result = matchWordsByBox(
      [ref('left', box(0, 0, 50, 10)), ref('right', box(45, 0, 100, 10))],
      [hyp('right', box(48, 0, 100, 10))],
    );

    expect(result.pairs[0]?.hypothesis).toEqual([]);
    expect(result.pairs[1]?.hypothesisText).toBe('right');
  });

  it('skips reference words without text', () => {
    const logo = ref('', box(60, 120, 140, 210));
    const result = matchWordsByBox([logo, ref('TO:', box(100, 345, 130, 360))], [hyp('TO:', box(100, 345, 130, 360))]);

    expect(result.skippedReference).toEqual([logo]);
    expect(result.pairs).toHaveLength(1);
    expect(result.wordCharacterErrorRate).toBe(0);
  });

  it('returns null rate without reference text', () => {
    expect(matchWordsByBox([], [hyp('x', box(0, 0, 1, 1))]).wordCharacterErrorRate).toBeNull();
  });

  it('rejects minOverlap outside (0, 1]', () => {
    expect(() => matchWordsByBox([], [], 0)).toThrow(RangeError);
    expect(() => matchWordsByBox([], [], 1.5)).toThrow(RangeError);
  });
});
