import { parseTesseractTsv } from './tesseract-tsv.parser';

const HEADER = 'level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext';

/** Builds one TSV row; `text` stays empty for page, block, paragraph and line rows. */
function row(
  level: number,
  ids: [number, number, number, number],
  box: number[],
  confidence: number,
  text = '',
): string {
  const [block, paragraph, line, word] = ids;

  return [level, 1, block, paragraph, line, word, ...box, confidence, text].join('\t');
}

describe('parseTesseractTsv', () => {
  it('lays out lines and paragraphs', () => {
    const tsv = [
      HEADER,
      row(1, [0, 0, 0, 0], [0, 0, 640, 480], -1),
      row(2, [1, 0, 0, 0], [36, 92, 582, 269], -1),
      row(3, [1, 1, 0, 0], [36, 92, 582, 92], -1),
      row(4, [1, 1, 1, 0], [36, 92, 544, 30], -1),
      row(5, [1, 1, 1, 1], [36, 92, 60, 24], 96.8, 'This'),
      row(5, [1, 1, 1, 2], [109, 92, 20, 24], 96.9, 'is'),
      row(4, [1, 1, 2, 0], [36, 130, 300, 30], -1),
      row(5, [1, 1, 2, 1], [36, 130, 80, 24], 91, 'second'),
      row(3, [1, 2, 0, 0], [36, 200, 300, 30], -1),
      row(4, [1, 2, 1, 0], [36, 200, 300, 30], -1),
      row(5, [1, 2, 1, 1], [36, 200, 50, 24], 88, 'next'),
      row(2, [2, 0, 0, 0], [36, 300, 300, 30], -1),
      row(5, [2, 1, 1, 1], [36, 300, 50, 24], 70, 'block'),
      '',
    ].join('\n');

    const page = parseTesseractTsv(tsv);

    expect(page.text).toBe('This is\nsecond\n\nnext\n\nblock\n\n');
    expect(page.words.map((word) => word.text)).toEqual(['This', 'is', 'second', 'next', 'block']);
    expect(page.words[0]).toEqual({ text: 'This', confidence: 96.8, bbox: { x0: 36, y0: 92, x1: 96, y1: 116 } });
  });

  it('skips empty words and clamps confidences to 0-100', () => {
    const tsv = [
      HEADER,
      row(5, [1, 1, 1, 1], [0, 0, 10, 10], -1, ' '),
      row(5, [1, 1, 1, 2], [20, 0, 10, 10], -1, 'odd'),
      row(5, [1, 1, 1, 3], [40, 0, 10, 10], 100.5, 'high'),
    ].join('\r\n');

    const page = parseTesseractTsv(tsv);

    expect(page.words.map((word) => [word.text, word.confidence])).toEqual([
      ['odd', 0],
      ['high', 100],
    ]);
    expect(page.text).toBe('odd high\n\n');
  });

  it('returns no words and no text for output without word rows', () => {
    expect(parseTesseractTsv(`${HEADER}\n${row(1, [0, 0, 0, 0], [0, 0, 10, 10], -1)}\n`)).toEqual({
      text: '',
      words: [],
    });
  });
});
