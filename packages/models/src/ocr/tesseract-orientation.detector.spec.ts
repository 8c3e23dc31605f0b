import sharp from 'sharp';
import { readSample } from '../testing/samples';
import { OcrError } from './ocr-engine';
import { TesseractOrientationDetector, toOrientationResult } from './tesseract-orientation.detector';

jest.setTimeout(120_000);

const PHOTOTEST = 'rotated_phototest_90_180_270';

describe('TesseractOrientationDetector', () => {
  let detector: TesseractOrientationDetector;

  beforeAll(() => {
    detector = new TesseractOrientationDetector();
  });

  afterAll(async () => {
    await detector.close();
  });

  // "L" was turned 90° to the left, so it needs 90° clockwise; "R" needs 270° clockwise.
  it.each([
    ['phototest.tif', 0],
    ['phototest-rotated-L.png', 90],
    ['phototest-rotated-180.png', 180],
    ['phototest-rotated-R.png', 270],
  ])('detects %s as needing %i degrees', async (file, expected) => {
    const result = await detector.detect(readSample(PHOTOTEST, file));

    expect(result.detected).toBe(true);
    expect(result.rotation).toBe(expected);
    expect(result.confidence).toBeGreaterThan(1);
  });

  it.each(['phototest-rotated-L.png', 'phototest-rotated-180.png', 'phototest-rotated-R.png'])(
    'turns %s upright with sharp',
    async (file) => {
      const image = readSample(PHOTOTEST, file);
      const { rotation } = await detector.detect(image);

      // sharp's rotate() turns clockwise, the convention of `rotation`.
      const upright = await sharp(image).rotate(rotation).png().toBuffer();
      const metadata = await sharp(upright).metadata();
      const again = await detector.detect(upright);

      expect([metadata.width, metadata.height]).toEqual([640, 480]);
      expect(again).toEqual(expect.objectContaining({ rotation: 0, detected: true }));
    },
  );

  it('leaves the multipage TIFF digits undetected', async () => {
    const tiff = readSample('multipage_tiff_ccitt_g4_3pages', 'ccittg4multi.tif');

    const whole = await detector.detect(tiff);
    expect(whole).toEqual({ rotation: 0, confidence: null, detected: false });
    for (let page = 0; page < 3; page += 1) {
      const png = await sharp(tiff, { page }).png().toBuffer();
      const result = await detector.detect(png);
      expect(result.rotation).toBe(0);
      expect(result.detected).toBe(false);
    }
  });

  it('leaves a blank page undetected', async () => {
    const blank = await sharp({ create: { width: 600, height: 800, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();

    expect(await detector.detect(blank)).toEqual({ rotation: 0, confidence: null, detected: false });
  });

  it('fails on bytes that are no image', async () => {
    const error = await detector.detect(Buffer.from('not an image')).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OcrError);
    expect((error as OcrError).code).toBe('engine_failed');
  });

  it('times out with a tiny limit', async () => {
    const error = await detector
      .detect(readSample(PHOTOTEST, 'phototest.tif'), { timeoutMs: 1 })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OcrError);
    expect((error as OcrError).code).toBe('timeout');
  });
});

describe('toOrientationResult', () => {
  const detection = (degrees: number | null, confidence: number | null) => ({
    tesseract_script_id: 12,
    script: 'Latin',
    script_confidence: 5,
    orientation_degrees: degrees,
    orientation_confidence: confidence,
  });

  it('keeps a confident rotation', () => {
    expect(toOrientationResult(detection(270, 9.3), 1)).toEqual({ rotation: 270, confidence: 9.3, detected: true });
  });

  it('drops a rotation below minConfidence', () => {
    expect(toOrientationResult(detection(180, 0.34), 1)).toEqual({ rotation: 0, confidence: 0.34, detected: false });
  });

  it('maps missing detection to undetected', () => {
    expect(toOrientationResult(detection(null, null), 1)).toEqual({ rotation: 0, confidence: null, detected: false });
  });
});
