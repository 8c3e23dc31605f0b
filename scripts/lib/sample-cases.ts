// The cases of the shared samples folder that `npm run bench` runs: which files to upload, with
// which OCR languages, what each must produce, and what ground truth scores it.

/** Scoring method for a document's OCR output. File names are relative to the case folder. */
export type GroundTruth =
  /** Character error rate of each page's text against one reference text, summed over pages. */
  | { kind: 'page-text'; file: string }
  /** Character error rate of the words inside the zones of a `.uzn` file against their text. */
  | { kind: 'zoned-text'; textFile: string; zonesFile: string }
  /** FUNSD JSON: word boxes with text, scored by `matchWordsByBox`. */
  | { kind: 'funsd-words'; file: string }
  /** SROIE CSV: line quadrilaterals with text, joined in reading order and scored as page text. */
  | { kind: 'sroie-lines'; file: string }
  /** ALTO XML from another OCR engine: only its word count is compared. */
  | { kind: 'alto-word-count'; file: string }
  | { kind: 'none' };

/** Outcome that the README of the samples folder requires of a document. */
export type ExpectedOutcome =
  /** Ingest and OCR succeed with this many pages, turned by these clockwise angles when given. */
  | { kind: 'read'; pages: number; rotations?: readonly number[]; rotationsInAnyOrder?: boolean; textIncludes?: string }
  /** The upload is rejected with this HTTP status and a message matching the pattern. */
  | { kind: 'rejected-at-upload'; status: number; message: RegExp }
  /** The document is stored but its ingest fails with an error matching the pattern. */
  | { kind: 'ingest-failed'; message: RegExp; workerSurvives?: boolean };

export interface SampleDocument {
  file: string;
  /** Password sent with the upload. The API ingests bytes it already has again when a password comes with them. */
  password?: string;
  expected: ExpectedOutcome;
  groundTruth: GroundTruth;
}

export interface SampleCase {
  /** Folder name under the samples folder. */
  id: string;
  languages: readonly string[];
  /** Part of `--quick`. */
  quick: boolean;
  /** How far the ground truth can be trusted, shown beside the figures. */
  groundTruthNote: string;
  documents: readonly SampleDocument[];
}

const ENG = ['eng'] as const;
const read = (pages: number, extra: Partial<Extract<ExpectedOutcome, { kind: 'read' }>> = {}): ExpectedOutcome => ({
  kind: 'read',
  pages,
  ...extra,
});

const PHOTOTEST_GOLD: GroundTruth = { kind: 'page-text', file: 'phototest.gold.txt' };
const LINN_TEXT: GroundTruth = { kind: 'page-text', file: 'linn.txt' };
const HISTORICAL_LINES = [
  'alexis_ruhe01_1852_0018_022',
  'fontane_irrungen_1888_0033_025',
  'heine_lieder_1827_0130_002',
  'novalis_ofterdingen_1802_0032_001',
  'raschdorff_hochbau_1880_0013_016',
  'spyri_heidi_1880_0062_005',
];

export const SAMPLE_CASES: readonly SampleCase[] = [
  {
    id: 'rotated_phototest_90_180_270',
    languages: ENG,
    quick: true,
    groundTruthNote: 'gold text',
    documents: [
      // phototest-rotated-L is turned 90 degrees counterclockwise, so 90 degrees clockwise makes it upright.
      { file: 'phototest.tif', expected: read(1, { rotations: [0] }), groundTruth: PHOTOTEST_GOLD },
      { file: 'phototest-rotated-L.png', expected: read(1, { rotations: [90] }), groundTruth: PHOTOTEST_GOLD },
      { file: 'phototest-rotated-R.png', expected: read(1, { rotations: [270] }), groundTruth: PHOTOTEST_GOLD },
      { file: 'phototest-rotated-180.png', expected: read(1, { rotations: [180] }), groundTruth: PHOTOTEST_GOLD },
    ],
  },
  {
    id: 'multilingual_eurotext',
    languages: ['eng', 'deu', 'fra', 'ita', 'spa', 'por'],
    quick: true,
    groundTruthNote: 'reference text',
    documents: [{ file: 'eurotext.tif', expected: read(1), groundTruth: { kind: 'page-text', file: 'eurotext.txt' } }],
  },
  {
    id: 'form_funsd_fax_cover_82092117',
    languages: ENG,
    quick: true,
    groundTruthNote: 'FUNSD word boxes; unannotated words are not scored',
    documents: [
      {
        file: '82092117.png',
        expected: read(1, { rotations: [0] }),
        groundTruth: { kind: 'funsd-words', file: '82092117.json' },
      },
    ],
  },
  {
    id: 'form_funsd_table_form_82200067',
    languages: ENG,
    quick: false,
    groundTruthNote: 'FUNSD word boxes; unannotated words are not scored',
    documents: [
      {
        file: '82200067_0069.png',
        expected: read(1, { rotations: [0] }),
        groundTruth: { kind: 'funsd-words', file: '82200067_0069.json' },
      },
    ],
  },
  {
    id: 'receipt_sroie_tax_invoice_494',
    languages: ENG,
    quick: false,
    groundTruthNote: 'approximate: CSV lines in row order, which differs from the engine reading order',
    documents: [{ file: '494.jpg', expected: read(1), groundTruth: { kind: 'sroie-lines', file: '494.csv' } }],
  },
  {
    id: 'receipt_sroie_lowres_019',
    languages: ENG,
    quick: false,
    groundTruthNote: 'approximate: CSV lines in row order, which differs from the engine reading order',
    documents: [{ file: '019.jpg', expected: read(1), groundTruth: { kind: 'sroie-lines', file: '019.csv' } }],
  },
  {
    id: 'brochure_linn_two_column',
    languages: ENG,
    quick: false,
    groundTruthNote: 'weak: linn.txt looks machine-made',
    documents: [{ file: 'linn.png', expected: read(1), groundTruth: LINN_TEXT }],
  },
  {
    id: 'rotated_linn_cardinal_4pages',
    languages: ENG,
    quick: false,
    groundTruthNote: 'weak: every page against linn.txt, which looks machine-made',
    documents: [
      {
        file: 'cardinal.pdf',
        expected: read(4, { rotations: [0, 90, 180, 270], rotationsInAnyOrder: true }),
        groundTruth: LINN_TEXT,
      },
    ],
  },
  {
    id: 'historical_text_lines_dta_19c',
    languages: ['deu'],
    quick: false,
    groundTruthNote:
      'line transcriptions; mostly Fraktur, read with the modern German model (no Fraktur model installed)',
    documents: HISTORICAL_LINES.map((name) => ({
      file: `${name}.tif`,
      expected: read(1),
      groundTruth: { kind: 'page-text', file: `${name}.gt.txt` },
    })),
  },
  {
    id: 'magazine_unlv_8087_054',
    languages: ENG,
    quick: false,
    groundTruthNote: 'approximate: only the words inside the zones of the .uzn file are scored',
    documents: [
      {
        file: '8087_054.3B.tif',
        expected: read(1, { rotations: [0] }),
        groundTruth: { kind: 'zoned-text', textFile: '8087_054.3B.txt', zonesFile: '8087_054.3B.uzn' },
      },
    ],
  },
  {
    id: 'newspaper_chronam_evening_star_1865',
    languages: ENG,
    quick: false,
    groundTruthNote: 'baseline, not truth: word count of the 2012 PrimeOCR ALTO file',
    documents: [{ file: '0007.pdf', expected: read(1), groundTruth: { kind: 'alto-word-count', file: '0007.xml' } }],
  },
  {
    id: 'letter_itu_fax_slerexe_1972',
    languages: ENG,
    quick: false,
    groundTruthNote: 'none',
    documents: [{ file: 'itu1.pbm', expected: read(1), groundTruth: { kind: 'none' } }],
  },
  {
    id: 'typewritten_recipe_dutch',
    languages: ['nld'],
    quick: false,
    groundTruthNote: 'none',
    documents: [{ file: 'typewriter.png', expected: read(1), groundTruth: { kind: 'none' } }],
  },
  {
    id: 'multipage_pdf_mixed_6pages',
    languages: ENG,
    quick: false,
    groundTruthNote: 'none',
    documents: [{ file: 'multipage.pdf', expected: read(6), groundTruth: { kind: 'none' } }],
  },
  {
    id: 'multipage_tiff_ccitt_g4_3pages',
    languages: ENG,
    quick: false,
    groundTruthNote: 'none; each page shows one hand-drawn digit',
    documents: [{ file: 'ccittg4multi.tif', expected: read(3), groundTruth: { kind: 'none' } }],
  },
  {
    id: 'encrypted_pdf_rc4_openpassword',
    languages: ENG,
    quick: false,
    groundTruthNote: 'none; with the password the text must contain "Lorem ipsum"',
    documents: [
      {
        file: 'libreoffice-writer-password.pdf',
        expected: { kind: 'ingest-failed', message: /password/i },
        groundTruth: { kind: 'none' },
      },
      {
        file: 'libreoffice-writer-password.pdf',
        password: 'openpassword',
        expected: read(1, { textIncludes: 'Lorem ipsum' }),
        groundTruth: { kind: 'none' },
      },
    ],
  },
  {
    id: 'malformed_pdf_header_then_eof',
    languages: ENG,
    quick: false,
    groundTruthNote: 'none',
    documents: [
      {
        file: 'invalid.pdf',
        expected: { kind: 'ingest-failed', message: /invalid.*pdf|pdf.*invalid/i },
        groundTruth: { kind: 'none' },
      },
    ],
  },
  {
    id: 'malformed_zero_byte_tif',
    languages: ENG,
    quick: false,
    groundTruthNote: 'none',
    documents: [
      {
        file: '00000001_DESKEW.tif',
        expected: { kind: 'rejected-at-upload', status: 400, message: /empty/i },
        groundTruth: { kind: 'none' },
      },
    ],
  },
  {
    id: 'huge_pdf_35000px_bilevel_bomb',
    languages: ENG,
    quick: false,
    groundTruthNote: 'none',
    documents: [
      {
        file: 'hugemono.pdf',
        expected: { kind: 'ingest-failed', message: /pixel/i, workerSurvives: true },
        groundTruth: { kind: 'none' },
      },
    ],
  },
];

/** Returns the cases to run: all of them, or only those marked `quick`. */
export function selectSampleCases(quick: boolean): SampleCase[] {
  return SAMPLE_CASES.filter((sampleCase) => !quick || sampleCase.quick);
}
