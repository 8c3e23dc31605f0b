import { PDFDocument, StandardFonts, degrees, type PDFFont, type PDFPage } from 'pdf-lib';

/**
 * Sample documents the main job builds itself, so it runs on a fresh clone with
 * no files from outside the repository. The text is original to this project.
 */
export interface DemoDocument {
  filename: string;
  bytes: Uint8Array;
  pages: number;
}

const LETTER = [
  'Harbour Street Printing Works',
  '14 March 1958',
  '',
  'Dear Mrs. Okonkwo,',
  '',
  'Thank you for the order of two thousand catalogue sheets. The',
  'proofs left our press room on Tuesday and should reach your',
  'office before the end of the week. Please mark any corrections',
  'in the margin and return one signed copy to this address.',
  '',
  'The paper you chose is a bright white stock of ninety grams. We',
  'hold enough of it for a second printing of the same size, should',
  'the first run sell out before the summer fair.',
  '',
  'With kind regards,',
  'Arthur Lindqvist, Works Manager',
];

const REPORT_PAGES = [
  [
    'Survey of River Crossings, Part One',
    '',
    'Seven bridges cross the river between the mill and the old',
    'harbour. Four of them carry road traffic, two are footbridges,',
    'and one carries the railway line towards the northern coast.',
    'Each crossing was measured at low water in the autumn months.',
    '',
    'The stone bridge at Millgate is the oldest. Its three arches',
    'show repairs from several periods, and the eastern pier leans',
    'slightly downstream. The surveyors recommend a closer look.',
  ],
  [
    'Survey of River Crossings, Part Two',
    '',
    'The iron footbridge near the market was painted last spring.',
    'Its deck boards are sound, though the handrail on the south',
    'side has loosened at two joints and needs new bolts.',
    '',
    'Traffic counts were taken on a Monday and a Saturday. The',
    'market crossing carried almost twice as many people on the',
    'Saturday, most of them between nine and eleven in the morning.',
  ],
];

const PAGE_WIDTH = 612;
const PAGE_HEIGHT = 792;
const FONT_SIZE = 13;
const LINE_HEIGHT = 20;
const MARGIN = 72;

/** Builds a one-page letter and a two-page report whose second page lies upside down, as a scanner might feed it. */
export async function buildDemoDocuments(): Promise<DemoDocument[]> {
  const letter = await PDFDocument.create();
  const letterFont = await letter.embedFont(StandardFonts.TimesRoman);
  writeLines(letter.addPage([PAGE_WIDTH, PAGE_HEIGHT]), letterFont, LETTER, 0);

  const report = await PDFDocument.create();
  const reportFont = await report.embedFont(StandardFonts.Helvetica);
  writeLines(report.addPage([PAGE_WIDTH, PAGE_HEIGHT]), reportFont, REPORT_PAGES[0]!, 0);
  writeLines(report.addPage([PAGE_WIDTH, PAGE_HEIGHT]), reportFont, REPORT_PAGES[1]!, 180);

  return [
    { filename: 'demo-letter.pdf', bytes: await letter.save(), pages: 1 },
    { filename: 'demo-river-survey.pdf', bytes: await report.save(), pages: 2 },
  ];
}

/** Draws lines top-down; with `rotation` 180 the whole block is drawn upside down from the opposite corner. */
function writeLines(page: PDFPage, font: PDFFont, lines: readonly string[], rotation: 0 | 180): void {
  lines.forEach((line, index) => {
    const offset = MARGIN + index * LINE_HEIGHT;
    if (rotation === 0) {
      page.drawText(line, { x: MARGIN, y: PAGE_HEIGHT - offset, size: FONT_SIZE, font });
    } else {
      page.drawText(line, { x: PAGE_WIDTH - MARGIN, y: offset, size: FONT_SIZE, font, rotate: degrees(180) });
    }
  });
}
