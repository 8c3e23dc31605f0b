// Scores the pages an engine read against a case's ground truth. The same functions score the
// pipeline, the bare tesseract.js engine and native Tesseract, so their figures compare directly.
import path from 'node:path';

import { characterErrorCounts, matchWordsByBox, type OcrWord, type ReferenceWord } from '@quire/models';

import {
  countAltoWords,
  readFunsdWords,
  readSroieText,
  readText,
  readUznZones,
  type Zone,
} from './bench-ground-truth.ts';
import type { GroundTruth } from './sample-cases.ts';

/** One page as an engine read it, with boxes in pixels of the upright page image. */
export interface PageReading {
  /** Clockwise degrees the pipeline turned the original page to make it upright. */
  rotation: number;
  text: string;
  words: readonly OcrWord[];
}

export type Reference =
  | { kind: 'page-text'; text: string }
  | { kind: 'zoned-text'; text: string; zones: Zone[] }
  | { kind: 'funsd-words'; words: ReferenceWord[] }
  | { kind: 'sroie-lines'; text: string }
  | { kind: 'alto-word-count'; words: number }
  | { kind: 'none' };

export interface Score {
  /** Name of the figure, such as "CER" or "word CER", or empty when there is no ground truth. */
  metric: string;
  /** A rate (0 is perfect) for error rates, a ratio for word counts, or null when not measured. */
  value: number | null;
  display: string;
  notes: string[];
  details: Record<string, unknown>;
}

/** Loads the ground truth of one document from its case folder. */
export async function loadReference(groundTruth: GroundTruth, caseFolder: string): Promise<Reference> {
  const file = (name: string) => path.join(caseFolder, name);
  switch (groundTruth.kind) {
    case 'page-text':
      return { kind: 'page-text', text: await readText(file(groundTruth.file)) };
    case 'zoned-text':
      return {
        kind: 'zoned-text',
        text: await readText(file(groundTruth.textFile)),
        zones: await readUznZones(file(groundTruth.zonesFile)),
      };
    case 'funsd-words':
      return { kind: 'funsd-words', words: await readFunsdWords(file(groundTruth.file)) };
    case 'sroie-lines':
      return { kind: 'sroie-lines', text: await readSroieText(file(groundTruth.file)) };
    case 'alto-word-count':
      return { kind: 'alto-word-count', words: await countAltoWords(file(groundTruth.file)) };
    case 'none':
      return { kind: 'none' };
  }
}

/** Scores the pages of one document against its reference. */
export function scorePages(reference: Reference, pages: readonly PageReading[]): Score {
  switch (reference.kind) {
    case 'page-text':
      return scorePageTexts(reference.text, pages);
    case 'zoned-text':
      return scoreZonedText(reference.text, reference.zones, pages);
    case 'funsd-words':
      return scoreWordBoxes(reference.words, pages);
    case 'sroie-lines':
      return scoreJoinedText(reference.text, pages);
    case 'alto-word-count':
      return scoreWordCount(reference.words, pages);
    case 'none':
      return { metric: '', value: null, display: '-', notes: [], details: {} };
  }
}

/** Scores each page against the same reference text, summing distances and lengths over the pages. */
function scorePageTexts(referenceText: string, pages: readonly PageReading[]): Score {
  let distance = 0;
  let length = 0;
  const pageRates = pages.map((page) => {
    const counts = characterErrorCounts(referenceText, page.text);
    distance += counts.distance;
    length += counts.referenceLength;

    return counts.distance / counts.referenceLength;
  });
  const value = length === 0 ? null : distance / length;
  const notes = pages.length > 1 ? [`CER per page: ${pageRates.map(formatPercent).join(', ')}`] : [];

  return { metric: 'CER', value, display: formatPercent(value), notes, details: { pageRates, distance, length } };
}

/** Scores the text of all pages, joined, against one reference text. */
function scoreJoinedText(referenceText: string, pages: readonly PageReading[]): Score {
  const counts = characterErrorCounts(referenceText, pages.map((page) => page.text).join('\n'));
  const value = counts.distance / counts.referenceLength;

  return { metric: 'CER', value, display: formatPercent(value), notes: [], details: { ...counts } };
}

/**
 * Keeps the words whose box centre lies inside a zone, zone by zone in the order of the zone file
 * and in the engine's order within a zone, and scores that text against the zones' reference text.
 */
function scoreZonedText(referenceText: string, zones: readonly Zone[], pages: readonly PageReading[]): Score {
  const page = pages[0];
  if (page === undefined) {
    return { metric: 'CER (zones)', value: null, display: '-', notes: ['no page was read'], details: {} };
  }

  const notes: string[] = [];
  if (page.rotation !== 0) {
    notes.push(`page was turned ${page.rotation}°, so the zones (original pixels) may not line up with the words`);
  }
  const zoneTexts = zones.map((zone) =>
    page.words
      .filter((word) => {
        const centreX = (word.bbox.x0 + word.bbox.x1) / 2;
        const centreY = (word.bbox.y0 + word.bbox.y1) / 2;
        return (
          centreX >= zone.x && centreX < zone.x + zone.width && centreY >= zone.y && centreY < zone.y + zone.height
        );
      })
      .map((word) => word.text)
      .join(' '),
  );
  const counts = characterErrorCounts(referenceText, zoneTexts.join('\n'));
  const value = counts.distance / counts.referenceLength;
  const whole = characterErrorCounts(referenceText, page.text);
  const wholePageRate = whole.distance / whole.referenceLength;
  notes.push(`whole page against the zone text: ${formatPercent(wholePageRate)}`);

  return { metric: 'CER (zones)', value, display: formatPercent(value), notes, details: { ...counts, wholePageRate } };
}

/** Scores FUNSD words: the word-level CER of `matchWordsByBox` and the share of reference words that any word overlaps. */
function scoreWordBoxes(referenceWords: readonly ReferenceWord[], pages: readonly PageReading[]): Score {
  const page = pages[0];
  if (page === undefined) {
    return { metric: 'word CER', value: null, display: '-', notes: ['no page was read'], details: {} };
  }

  const match = matchWordsByBox(referenceWords, page.words);
  const matched = match.pairs.filter((pair) => pair.hypothesis.length > 0).length;
  const matchedShare = match.pairs.length === 0 ? null : matched / match.pairs.length;
  const notes = [
    `${matched} of ${match.pairs.length} reference words matched by box (${formatPercent(matchedShare)}); ` +
      `${match.unmatchedHypothesis.length} words read outside annotated boxes are not scored`,
  ];
  if (page.rotation !== 0) {
    notes.push(
      `page was turned ${page.rotation}°, so its word boxes do not line up with FUNSD's and the score is invalid`,
    );
  }
  if (pages.length > 1) {
    notes.push(`only the first of ${pages.length} pages is scored`);
  }

  return {
    metric: 'word CER',
    value: match.wordCharacterErrorRate,
    display: formatPercent(match.wordCharacterErrorRate),
    notes,
    details: {
      referenceWords: match.pairs.length,
      matchedReferenceWords: matched,
      matchedShare,
      unmatchedHypothesisWords: match.unmatchedHypothesis.length,
      rotation: page.rotation,
    },
  };
}

/** Compares the number of words read with the word count of an ALTO file made by another engine. */
function scoreWordCount(altoWords: number, pages: readonly PageReading[]): Score {
  const words = pages.reduce((sum, page) => sum + page.words.length, 0);
  const value = altoWords === 0 ? null : words / altoWords;

  return {
    metric: 'words / ALTO words',
    value,
    display: value === null ? '-' : `${words} / ${altoWords} (${value.toFixed(2)})`,
    notes: [],
    details: { words, altoWords },
  };
}

/** Formats a rate as a percentage with two decimals, or "-" when there is none. */
export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '-' : `${(value * 100).toFixed(2)}%`;
}
