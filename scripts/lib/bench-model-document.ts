// The document the model overhead measurement runs over: a PDF of plain text pages, each with its
// own lines, so every page image and every page text that reaches the model differs. The text is
// drawn as real PDF text, so the OCR step of an ocr+llm run can read the page's own text layer.
import { randomUUID } from 'node:crypto';

import { PDFDocument, StandardFonts } from 'pdf-lib';

const PAGE_WIDTH = 612;
const PAGE_HEIGHT = 792;
const MARGIN = 72;
const FONT_SIZE = 11;
const LINE_HEIGHT = 18;
const LINES_PER_PAGE = 24;

const SENTENCES = [
  'The ledger for the eastern warehouse lists every crate received in the spring.',
  'Each entry gives the date, the carrier, the weight and the clerk who signed it.',
  'Damaged goods were set aside in the north bay until the insurer had seen them.',
  'Three shipments of glassware arrived a week late because of flooding on the road.',
  'The clerk noted that the scales were checked against the standard weights monthly.',
  'Invoices above five hundred pounds needed a second signature from the manager.',
  'A copy of each delivery note was filed by carrier and a second one by month.',
  'Returns to the supplier left on Fridays, packed in the crates they came in.',
  'The stocktake in June found eleven boxes of lamp wicks that no entry mentioned.',
  'Heating oil for the office was ordered in September and paid for in advance.',
  'The night watchman kept his own book of every door found open on his rounds.',
];

export interface ModelBenchDocument {
  filename: string;
  bytes: Uint8Array;
  pages: number;
}

/** Lines of one page: a heading with the page number, then sentences taken in a different order on each page. */
export function pageLines(pageIndex: number, pages: number): string[] {
  const lines = [`Warehouse ledger, page ${pageIndex + 1} of ${pages}`, ''];
  for (let row = 0; lines.length < LINES_PER_PAGE; row += 1) {
    const sentence = SENTENCES[(pageIndex * 7 + row * 3) % SENTENCES.length]!;
    lines.push(`${pageIndex + 1}.${row + 1}  ${sentence}`);
  }

  return lines;
}

/**
 * Builds a PDF of `pages` text pages. A random title makes the bytes new on every call, because
 * the API returns the stored document for bytes it has seen and would skip the ingest.
 */
export async function buildModelBenchDocument(pages: number): Promise<ModelBenchDocument> {
  if (!Number.isInteger(pages) || pages < 1) {
    throw new RangeError(`pages must be a whole number of at least 1, got ${pages}.`);
  }
  const document = await PDFDocument.create();
  const id = randomUUID();
  document.setTitle(`Model overhead benchmark ${id}`);
  const font = await document.embedFont(StandardFonts.Helvetica);
  for (let index = 0; index < pages; index += 1) {
    const page = document.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    pageLines(index, pages).forEach((line, row) =>
      page.drawText(line, { x: MARGIN, y: PAGE_HEIGHT - MARGIN - row * LINE_HEIGHT, size: FONT_SIZE, font }),
    );
  }

  return { filename: `model-overhead-${id}.pdf`, bytes: await document.save(), pages };
}
