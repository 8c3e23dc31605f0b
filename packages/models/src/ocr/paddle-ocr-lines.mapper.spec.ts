import { lineBox, paddleLinesToPage, splitLineIntoWords } from './paddle-ocr-lines.mapper';

const page = { width: 1000, height: 500, scale: 1 };

describe('splitLineIntoWords', () => {
  it('gives each word the share of the line width its characters take', () => {
    // Ten characters over 100 px: 10 px each.
    const words = splitLineIntoWords('ab cd efgh', { x0: 100, y0: 20, x1: 200, y1: 40 }, 90);

    expect(words).toEqual([
      { text: 'ab', confidence: 90, bbox: { x0: 100, y0: 20, x1: 120, y1: 40 } },
      { text: 'cd', confidence: 90, bbox: { x0: 130, y0: 20, x1: 150, y1: 40 } },
      { text: 'efgh', confidence: 90, bbox: { x0: 160, y0: 20, x1: 200, y1: 40 } },
    ]);
  });

  it('ignores repeated and outer spaces', () => {
    const words = splitLineIntoWords(' a  b ', { x0: 0, y0: 0, x1: 60, y1: 10 }, 50);

    expect(words.map((word) => [word.text, word.bbox.x0, word.bbox.x1])).toEqual([
      ['a', 10, 20],
      ['b', 40, 50],
    ]);
  });

  it('keeps every box at least one pixel wide', () => {
    const words = splitLineIntoWords('a b c d e f', { x0: 0, y0: 0, x1: 3, y1: 10 }, 50);

    expect(words.every((word) => word.bbox.x1 > word.bbox.x0)).toBe(true);
  });
});

describe('lineBox', () => {
  it('boxes the four corners of a slanted line', () => {
    const corners = [
      [104, 61],
      [829, 71],
      [829, 113],
      [104, 103],
    ];

    expect(lineBox(corners, page)).toEqual({ x0: 104, y0: 61, x1: 829, y1: 113 });
  });

  it('scales back to the pixels of the image sent, and clips to it', () => {
    const corners = [
      [10.4, 5],
      [600, 5],
      [600, 30],
      [10.4, 30],
    ];

    expect(lineBox(corners, { width: 1000, height: 500, scale: 0.5 })).toEqual({ x0: 20, y0: 10, x1: 1000, y1: 60 });
  });

  it('returns null for a line off the image or without corners', () => {
    expect(lineBox([[2000, 2000]], page)).toBeNull();
    expect(lineBox([], page)).toBeNull();
  });
});

describe('paddleLinesToPage', () => {
  it('joins lines with newlines and converts probabilities to 0-100', () => {
    const result = paddleLinesToPage(
      [
        {
          text: 'Hello  world',
          mean: 0.98,
          box: [
            [0, 0],
            [120, 0],
            [120, 20],
            [0, 20],
          ],
        },
        {
          text: '   ',
          mean: 0.9,
          box: [
            [0, 30],
            [50, 30],
            [50, 50],
            [0, 50],
          ],
        },
        {
          text: 'second',
          mean: 1.2,
          box: [
            [0, 60],
            [60, 60],
            [60, 80],
            [0, 80],
          ],
        },
      ],
      page,
    );

    expect(result.text).toBe('Hello world\nsecond');
    expect(result.words.map((word) => [word.text, word.confidence])).toEqual([
      ['Hello', 98],
      ['world', 98],
      ['second', 100],
    ]);
  });
});
