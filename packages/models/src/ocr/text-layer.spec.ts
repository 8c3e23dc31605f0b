import { TEXT_LAYER_ENGINE } from '@quire/contracts';
import { readPdfTextLayer, type SampleTextLayerPage } from '../testing/pdf-text-layer';
import { samplePath } from '../testing/samples';
import { assessTextLayer, groupIntoLines, textLayerToOcrResult, type TextLayerWord } from './text-layer';

jest.setTimeout(60_000);

const word = (text: string, x0: number, y0: number, x1 = x0 + 40, y1 = y0 + 20): TextLayerWord => ({
  text,
  bbox: { x0, y0, x1, y1 },
});

/** Ten ordinary words on one line of a 1000 x 1000 page. */
const tenWords = (): TextLayerWord[] =>
  'one two three four five six seven eight nine ten'.split(' ').map((text, index) => word(text, index * 50, 100));

describe('text layers of the sample PDFs', () => {
  let newspaper: SampleTextLayerPage;
  let bornDigital: SampleTextLayerPage;

  beforeAll(() => {
    [newspaper] = readPdfTextLayer(samplePath('newspaper_chronam_evening_star_1865', '0007.pdf')) as [
      SampleTextLayerPage,
    ];
    [bornDigital] = readPdfTextLayer(samplePath('encrypted_pdf_rc4_openpassword', 'libreoffice-writer-password.pdf'), {
      password: 'openpassword',
    }) as [SampleTextLayerPage];
  });

  it('accepts the OCR layer of the 1865 newspaper page', () => {
    expect(newspaper.words.length).toBeGreaterThan(5000);
    expect(assessTextLayer(newspaper.words, newspaper)).toEqual({ usable: true });
  });

  it('accepts the born-digital page', () => {
    expect(assessTextLayer(bornDigital.words, bornDigital)).toEqual({ usable: true });
  });

  it('reads the born-digital page line by line', () => {
    const result = textLayerToOcrResult(bornDigital.words, ['eng']);

    expect(result.text.split('\n').slice(0, 2)).toEqual([
      'Lorem ipsum dolor sit amet, consetetur sadipscing elitr, sed diam nonumy eirmod tempor',
      'invidunt ut labore et dolore magna aliquyam erat, sed diam voluptua. At vero eos et accusam',
    ]);
    expect(result).toMatchObject({ engine: TEXT_LAYER_ENGINE, languages: ['eng'], usage: { pages: 1 } });
    expect(result.meanConfidence).toBe(100);
    expect(result.words).toHaveLength(bornDigital.words.length);
    expect(result.words.every((item) => item.confidence === 100)).toBe(true);
    expect(result.text.split(/\s+/)).toHaveLength(bornDigital.words.length);
  });

  it('keeps every word of the newspaper page and starts with its masthead', () => {
    const result = textLayerToOcrResult(newspaper.words, ['eng']);

    expect(result.words).toHaveLength(newspaper.words.length);
    expect(result.text.slice(0, 200)).toContain('EVENING STAR');
  });

  it('rejects the newspaper layer when its boxes lie off the page', () => {
    const shifted = newspaper.words.map((item) => ({
      ...item,
      bbox: { ...item.bbox, x0: item.bbox.x0 + 10_000, x1: item.bbox.x1 + 10_000 },
    }));

    const assessment = assessTextLayer(shifted, newspaper);

    expect(assessment.usable).toBe(false);
    expect(assessment).toHaveProperty('reason', expect.stringContaining('off the 3099x4624 page'));
  });
});

describe('assessTextLayer', () => {
  const page = { width: 1000, height: 1000 };

  it('accepts ten ordinary words', () => {
    expect(assessTextLayer(tenWords(), page)).toEqual({ usable: true });
  });

  it('rejects too few words, not counting blank ones', () => {
    const words = [...tenWords().slice(0, 9), word('  ', 600, 100)];

    expect(assessTextLayer(words, page)).toEqual({
      usable: false,
      reason: 'the text layer has 9 word(s), fewer than 10',
    });
  });

  it.each([
    ['replacement characters', '\uFFFD\uFFFD'],
    ['private-use characters', '\uE000\uF8FF'],
    ['control characters', '\u0001\u0002'],
  ])('rejects %s', (_name, broken) => {
    const words = tenWords().map((item) => ({ ...item, text: `${item.text}${broken}` }));

    expect(assessTextLayer(words, page)).toMatchObject({
      usable: false,
      reason: expect.stringContaining('replacement, private-use or control characters'),
    });
  });

  it('rejects text that is mostly symbols', () => {
    const words = tenWords().map((item) => ({ ...item, text: `${item.text.slice(0, 1)}#%&*!` }));

    expect(assessTextLayer(words, page)).toMatchObject({
      usable: false,
      reason: expect.stringContaining('letters or digits'),
    });
  });

  it('rejects boxes without area', () => {
    const words = tenWords().map((item) => ({ ...item, bbox: { ...item.bbox, x1: item.bbox.x0 } }));

    expect(assessTextLayer(words, page).usable).toBe(false);
  });
});

describe('textLayerToOcrResult', () => {
  it('orders lines top to bottom and words left to right', () => {
    const words = [word('world', 60, 12), word('second', 0, 50), word('Hello', 0, 10), word('line', 80, 52)];

    const result = textLayerToOcrResult(words, ['eng', 'deu']);

    expect(result.text).toBe('Hello world\nsecond line');
    expect(result.words.map((item) => item.text)).toEqual(['Hello', 'world', 'second', 'line']);
    expect(result.languages).toEqual(['eng', 'deu']);
  });

  it('returns no text and a null mean confidence without words', () => {
    const result = textLayerToOcrResult([word(' ', 0, 0)], ['eng']);

    expect(result).toMatchObject({ text: '', words: [], meanConfidence: null, usage: { pages: 1 } });
  });
});

describe('groupIntoLines', () => {
  it('keeps a line that drifts down across a skewed page together', () => {
    const words = [word('a', 0, 100), word('b', 50, 104), word('c', 100, 108), word('d', 150, 112)];

    expect(groupIntoLines(words).map((line) => line.map((item) => item.text).join(''))).toEqual(['abcd']);
  });

  it('separates lines that touch by less than half a word height', () => {
    const words = [word('a', 0, 100), word('b', 0, 112)];

    expect(groupIntoLines(words)).toHaveLength(2);
  });

  it('joins two columns into one line (known limit)', () => {
    const words = [word('left1', 0, 100), word('right1', 500, 102), word('left2', 0, 130), word('right2', 500, 131)];

    expect(groupIntoLines(words).map((line) => line.map((item) => item.text).join(' '))).toEqual([
      'left1 right1',
      'left2 right2',
    ]);
  });
});
