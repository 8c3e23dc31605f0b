import type { BoundingBox, OcrWord } from '../ocr/ocr-engine';
import { characterErrorCounts, normalizeForComparison } from './character-error-rate.metric';

export interface ReferenceWord {
  text: string;
  bbox: BoundingBox;
}

export interface WordPair {
  reference: ReferenceWord;
  /** Hypothesis words assigned to this reference word, left to right; empty when none overlaps. */
  hypothesis: OcrWord[];
  /** The hypothesis words joined with single spaces. */
  hypothesisText: string;
  /** Edit distance in code points between the reference text and `hypothesisText`. */
  distance: number;
}

export interface WordMatchResult {
  /** One pair per reference word with text, in the order given. */
  pairs: WordPair[];
  /** Hypothesis words that overlap no reference word enough; they do not count in the rate. */
  unmatchedHypothesis: OcrWord[];
  /** Reference words without text (FUNSD marks logos and signatures so); they are left out. */
  skippedReference: ReferenceWord[];
  /** Sum of the pair distances divided by the sum of the reference lengths; null with no reference text. */
  wordCharacterErrorRate: number | null;
}

/**
 * Pairs each reference word with the hypothesis words whose boxes overlap it, and scores the text
 * of each pair, as for FUNSD-style ground truth (word boxes with text).
 *
 * Overlap is the intersection area over the area of the smaller box, not intersection over union.
 * Hand-drawn reference boxes are often looser than the tight glyph boxes of an OCR engine, and an
 * engine may split one reference word in two ("TO:" as "TO" and ":"). Both give a low IoU for the
 * same word, while the smaller box still lies almost wholly inside the other. Each hypothesis word
 * goes to the reference word it overlaps most (ties go to the larger intersection), provided that
 * overlap is at least `minOverlap`.
 *
 * NOTE: a hypothesis word that spans several reference words (FUNSD splits "09/17/97" into three)
 * is scored against one of them and the others count as deleted, so merges cost more than splits.
 *
 * A reference word with no hypothesis counts as deleted (distance = its length). Hypothesis words
 * over unannotated areas are returned in `unmatchedHypothesis` and not scored, because
 * annotations such as FUNSD's do not cover every printed word.
 */
export function matchWordsByBox(
  reference: readonly ReferenceWord[],
  hypothesis: readonly OcrWord[],
  minOverlap = 0.5,
): WordMatchResult {
  if (!(minOverlap > 0 && minOverlap <= 1)) {
    throw new RangeError(`minOverlap must be in (0, 1], got ${minOverlap}.`);
  }

  const scored = reference.filter((word) => normalizeForComparison(word.text) !== '');
  const skippedReference = reference.filter((word) => normalizeForComparison(word.text) === '');
  const assigned: OcrWord[][] = scored.map(() => []);
  const unmatchedHypothesis: OcrWord[] = [];

  for (const word of hypothesis) {
    const best = bestReferenceIndex(scored, word.bbox, minOverlap);
    if (best === null) {
      unmatchedHypothesis.push(word);
    } else {
      assigned[best]?.push(word);
    }
  }

  let totalDistance = 0;
  let totalLength = 0;
  const pairs = scored.map((word, index): WordPair => {
    const matched = [...(assigned[index] ?? [])].sort((a, b) => a.bbox.x0 - b.bbox.x0 || a.bbox.y0 - b.bbox.y0);
    const hypothesisText = matched.map((item) => item.text).join(' ');
    const counts = characterErrorCounts(word.text, hypothesisText);
    totalDistance += counts.distance;
    totalLength += counts.referenceLength;

    return { reference: word, hypothesis: matched, hypothesisText, distance: counts.distance };
  });

  return {
    pairs,
    unmatchedHypothesis,
    skippedReference,
    wordCharacterErrorRate: totalLength === 0 ? null : totalDistance / totalLength,
  };
}

/** Intersection area over the area of the smaller box; 0 when either box has no area. */
export function overlapOfSmaller(a: BoundingBox, b: BoundingBox): number {
  const smaller = Math.min(area(a), area(b));
  if (smaller === 0) {
    return 0;
  }

  return intersectionArea(a, b) / smaller;
}

function bestReferenceIndex(candidates: readonly ReferenceWord[], box: BoundingBox, minOverlap: number): number | null {
  let best: number | null = null;
  let bestOverlap = 0;
  let bestIntersection = 0;
  candidates.forEach((candidate, index) => {
    const overlap = overlapOfSmaller(candidate.bbox, box);
    if (overlap < minOverlap) {
      return;
    }
    const intersection = intersectionArea(candidate.bbox, box);
    if (overlap > bestOverlap || (overlap === bestOverlap && intersection > bestIntersection)) {
      best = index;
      bestOverlap = overlap;
      bestIntersection = intersection;
    }
  });

  return best;
}

function area(box: BoundingBox): number {
  return Math.max(0, box.x1 - box.x0) * Math.max(0, box.y1 - box.y0);
}

function intersectionArea(a: BoundingBox, b: BoundingBox): number {
  const width = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  const height = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);

  return width > 0 && height > 0 ? width * height : 0;
}
