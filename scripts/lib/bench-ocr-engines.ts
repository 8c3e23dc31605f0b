// Compares the OCR engines of @quire/models on the same upright page images, one page at a time:
// tesseract.js, native Tesseract (psm 3 and psm 6, when the binary is installed), PaddleOCR, and
// the PDF's own text layer where a page has one. Each engine runs in a child process of its own
// (this file, started with `--engine-child`), so its time per page and its peak memory are
// measured apart from the others. Every engine first reads one page of each language set
// untimed, so the figures are steady-state ones.
import { fork, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { sniffMediaType } from '@quire/contracts';
import {
  assessTextLayer,
  NativeTesseractEngine,
  PaddleOcrEngine,
  TesseractJsEngine,
  TesseractOrientationDetector,
  textLayerToOcrResult,
  type BoundingBox,
  type OcrEngine,
  type TextLayerWord,
} from '@quire/models';
import pg from 'pg';
import sharp from 'sharp';

import { ChildExchange } from './child-exchange.ts';
import type { EngineReading } from './bench-engines.ts';
import { readPeakRssBytes, sampleDescendantMemory } from './bench-machine.ts';
import { loadReference, scorePages, type PageReading, type Score } from './bench-scoring.ts';
import type { SampleCase, SampleDocument } from './sample-cases.ts';

/** Time limit for one page in every engine. */
const PAGE_TIMEOUT_MS = 300_000;
const MEMORY_SAMPLE_INTERVAL_MS = 50;
const ENGINE_CHILD_FLAG = '--engine-child';

export type ComparedEngine = 'tesseract.js' | 'tesseract psm 3' | 'tesseract psm 6' | 'paddleocr' | 'pdf-text-layer';

/** One upright page as ingest stored it, with the PDF's text layer when it has one. */
export interface ComparisonPage {
  key: string;
  pageIndex: number;
  rotation: number;
  width: number;
  height: number;
  imageFile: string;
  languages: string[];
  textLayer: TextLayerWord[] | null;
}

/** One document whose pages every engine reads, with the ground truth that scores them. */
export interface ComparisonDocument {
  sampleCase: SampleCase;
  document: SampleDocument;
  caseFolder: string;
  pages: ComparisonPage[];
}

export interface EngineDocumentResult {
  score: Score | null;
  /** Mean wall seconds per page, or null when a page failed. */
  secondsPerPage: number | null;
  /** Why the engine has no score: a failed page, no text layer, an unusable layer. */
  note: string | null;
}

export interface EngineSummary {
  engine: ComparedEngine;
  description: string;
  pagesRead: number;
  pagesFailed: number;
  meanSecondsPerPage: number | null;
  medianSecondsPerPage: number | null;
  /** Peak resident set size of the process that reads, in bytes; how it is measured is in `memoryNote`. */
  peakRssBytes: number | null;
  memoryNote: string;
}

export interface EngineComparison {
  engines: EngineSummary[];
  documents: {
    caseId: string;
    file: string;
    languages: string[];
    metric: string;
    groundTruthNote: string;
    results: Partial<Record<ComparedEngine, EngineDocumentResult>>;
  }[];
  notes: string[];
}

/** Messages from the benchmark to an engine child. */
type EngineRequest = { type: 'read'; page: ComparisonPage; languages: string[] } | { type: 'close' };

/** Messages from an engine child to the benchmark. */
type EngineResponse =
  | { type: 'ready' }
  | { type: 'reading'; key: string; reading: EngineReading }
  | { type: 'closed'; ownPeakRssBytes: number; readerPeakRssBytes: number | null };

/** Documents of the cases that have ground truth and are expected to be read. */
export function documentsWithGroundTruth(
  documents: readonly { sampleCase: SampleCase; document: SampleDocument; caseFolder: string }[],
): { sampleCase: SampleCase; document: SampleDocument; caseFolder: string }[] {
  return documents.filter(({ document }) => document.groundTruth.kind !== 'none' && document.expected.kind === 'read');
}

/** The parts of the worker's built ingest code that turn a file into upright pages. */
interface WorkerIngestCode {
  rasterizeDocument(
    filePath: string,
    mediaType: string,
    options: { password?: string; limits: unknown },
  ): AsyncGenerator<{
    index: number;
    png: Buffer;
    width: number;
    height: number;
    dpi: number | null;
    textLayer: TextLayerWord[] | null;
  }>;
  DEFAULT_RASTER_LIMITS: unknown;
  rotateBox(box: BoundingBox, rotation: 0 | 90 | 180 | 270, width: number, height: number): BoundingBox;
}

/**
 * Turns each document into upright pages the way the worker's ingest does, without the API, the
 * worker or the database: the worker's own built rasterizer (PDF pages rendered at its default
 * 200 dpi in its renderer child, with their text layers), the same orientation detector, and the
 * same turn with sharp. The pages are saved into `imageDirectory`.
 */
export async function prepareWithoutStack(
  repositoryRoot: string,
  documents: readonly { sampleCase: SampleCase; document: SampleDocument; caseFolder: string }[],
  imageDirectory: string,
): Promise<{ documents: ComparisonDocument[]; notes: string[] }> {
  const requireFromWorker = createRequire(path.join(repositoryRoot, 'apps', 'worker', 'package.json'));
  const worker: WorkerIngestCode = {
    ...(requireFromWorker('./dist/ingest/raster/index.js') as Omit<WorkerIngestCode, 'rotateBox'>),
    ...(requireFromWorker('./dist/ingest/rotate-box.js') as Pick<WorkerIngestCode, 'rotateBox'>),
  };
  const detector = new TesseractOrientationDetector();
  const prepared: ComparisonDocument[] = [];
  const notes: string[] = [];
  try {
    for (const [documentIndex, planned] of documents.entries()) {
      const file = path.join(planned.caseFolder, planned.document.file);
      const mediaType = sniffMediaType(await readFile(file));
      if (mediaType === null) {
        notes.push(`${planned.sampleCase.id}/${planned.document.file}: not a supported file type`);
        continue;
      }
      const pages: ComparisonPage[] = [];
      const options = { password: planned.document.password, limits: worker.DEFAULT_RASTER_LIMITS };
      for await (const page of worker.rasterizeDocument(file, mediaType, options)) {
        const { rotation } = await detector.detect(page.png);
        const upright = rotation === 0 ? sharp(page.png) : sharp(page.png).rotate(rotation);
        const { data, info } = await (page.dpi === null ? upright : upright.withDensity(page.dpi))
          .png()
          .toBuffer({ resolveWithObject: true });
        const imageFile = path.join(imageDirectory, `engines-${documentIndex}-${page.index}.png`);
        await writeFile(imageFile, data);
        const textLayer = page.textLayer?.map((word) => ({
          text: word.text,
          bbox: worker.rotateBox(word.bbox, rotation, page.width, page.height),
        }));
        pages.push({
          key: `${documentIndex}:${page.index}`,
          pageIndex: page.index,
          rotation,
          width: info.width,
          height: info.height,
          imageFile,
          languages: [...planned.sampleCase.languages],
          textLayer: textLayer && textLayer.length > 0 ? textLayer : null,
        });
      }
      console.log(
        `[${documentIndex + 1}/${documents.length}] ${planned.sampleCase.id}/${planned.document.file}: ${pages.length} page(s)`,
      );
      prepared.push({ ...planned, pages });
    }
  } finally {
    await detector.close();
  }

  return { documents: prepared, notes };
}

/**
 * Builds comparison pages from pages the pipeline already saved, adding each page's text layer
 * and size from the database.
 */
export async function attachTextLayers(
  databaseUrl: string,
  documentId: string,
  pages: readonly { index: number; rotation: number; imageFile: string }[],
  languages: string[],
  documentIndex: number,
): Promise<ComparisonPage[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // The API reports only whether a page has a text layer, so the words come from the table itself.
    const rows = await client.query<{
      index: number;
      width: number;
      height: number;
      textLayer: TextLayerWord[] | null;
    }>('SELECT "index", "width", "height", "textLayer" FROM "Page" WHERE "documentId" = $1', [documentId]);
    const byIndex = new Map(rows.rows.map((row) => [row.index, row]));

    return pages.map((page) => {
      const row = byIndex.get(page.index);
      return {
        key: `${documentIndex}:${page.index}`,
        pageIndex: page.index,
        rotation: page.rotation,
        width: row?.width ?? 0,
        height: row?.height ?? 0,
        imageFile: page.imageFile,
        languages,
        textLayer: row?.textLayer ?? null,
      };
    });
  } finally {
    await client.end();
  }
}

/**
 * Reads every page with every engine, page by page so all engines see about the same load from
 * other processes, then scores each engine's pages against the document's ground truth.
 */
export async function compareEngines(
  documents: readonly ComparisonDocument[],
  options: { tesseractJsPoolSize: number },
): Promise<EngineComparison> {
  const notes: string[] = [];
  const native = await NativeTesseractEngine.probe();
  const engines: ComparedEngine[] = ['tesseract.js'];
  if (native === null) {
    notes.push('native Tesseract: no `tesseract` on PATH (apt-get install tesseract-ocr), so it was left out.');
  } else {
    engines.push('tesseract psm 3', 'tesseract psm 6');
  }
  engines.push('paddleocr');
  const pages = documents.flatMap((document) => document.pages);
  if (pages.some((page) => page.textLayer !== null)) {
    engines.push('pdf-text-layer');
  }

  const processes = new Map<ComparedEngine, EngineProcess>();
  const readings = new Map<ComparedEngine, Map<string, EngineReading>>();
  try {
    for (const engine of engines) {
      processes.set(engine, await EngineProcess.start(engine, options.tesseractJsPoolSize));
      readings.set(engine, new Map());
    }

    // One untimed page per language set warms every engine up: models loaded, workers started.
    const warmUps = new Map<string, ComparisonPage>();
    for (const page of pages) {
      warmUps.set(page.languages.join('+'), warmUps.get(page.languages.join('+')) ?? page);
    }
    console.log(`Warming up ${engines.join(', ')} on ${warmUps.size} page(s).`);
    for (const page of warmUps.values()) {
      for (const engine of engines) {
        await processes.get(engine)!.read(page, languagesFor(engine, page.languages));
      }
    }

    for (const [index, page] of pages.entries()) {
      const line: string[] = [];
      for (const engine of engines) {
        if (engine === 'pdf-text-layer' && page.textLayer === null) {
          continue;
        }
        const reading = await processes.get(engine)!.read(page, languagesFor(engine, page.languages));
        readings.get(engine)!.set(page.key, reading);
        line.push(`${engine} ${reading.error === null ? `${reading.seconds.toFixed(2)} s` : 'failed'}`);
      }
      console.log(`  page ${index + 1}/${pages.length}: ${line.join(', ')}`);
    }
  } finally {
    for (const engineProcess of processes.values()) {
      await engineProcess.close();
    }
  }

  if (native !== null) {
    notes.push(
      `native Tesseract ${native.version} with the models of its own folder (${native.languages.join(', ')}).`,
    );
  }
  if (documents.some((document) => document.sampleCase.languages.some((language) => language !== 'eng'))) {
    notes.push('paddleocr reads Chinese and English only; pages of other languages were read with `eng` (marked *).');
  }

  return {
    engines: engines.map((engine) => summarize(engine, processes.get(engine)!, readings.get(engine)!, pages)),
    documents: await Promise.all(documents.map((document) => scoreDocument(document, engines, readings))),
    notes,
  };
}

function languagesFor(engine: ComparedEngine, languages: readonly string[]): string[] {
  return engine === 'paddleocr' ? ['eng'] : [...languages];
}

async function scoreDocument(
  document: ComparisonDocument,
  engines: readonly ComparedEngine[],
  readings: ReadonlyMap<ComparedEngine, ReadonlyMap<string, EngineReading>>,
): Promise<EngineComparison['documents'][number]> {
  const reference = await loadReference(document.document.groundTruth, document.caseFolder);
  const results: Partial<Record<ComparedEngine, EngineDocumentResult>> = {};
  let metric = '';
  for (const engine of engines) {
    const engineReadings = document.pages.map((page) => readings.get(engine)?.get(page.key));
    if (engineReadings.some((reading) => reading === undefined)) {
      results[engine] = {
        score: null,
        secondsPerPage: null,
        note: engine === 'pdf-text-layer' ? 'no layer' : 'not read',
      };
      continue;
    }
    const failed = engineReadings.find((reading) => reading!.error !== null);
    if (failed) {
      results[engine] = { score: null, secondsPerPage: null, note: failed.error };
      continue;
    }
    const pages: PageReading[] = document.pages.map((page, index) => ({
      rotation: page.rotation,
      text: engineReadings[index]!.text,
      words: engineReadings[index]!.words,
    }));
    const score = scorePages(reference, pages);
    metric ||= score.metric;
    results[engine] = {
      score,
      secondsPerPage: engineReadings.reduce((sum, reading) => sum + reading!.seconds, 0) / engineReadings.length,
      note: null,
    };
  }

  return {
    caseId: document.sampleCase.id,
    file: document.document.file,
    languages: [...document.sampleCase.languages],
    metric,
    groundTruthNote: document.sampleCase.groundTruthNote,
    results,
  };
}

function summarize(
  engine: ComparedEngine,
  engineProcess: EngineProcess,
  readings: ReadonlyMap<string, EngineReading>,
  pages: readonly ComparisonPage[],
): EngineSummary {
  const read = pages.map((page) => readings.get(page.key)).filter((reading) => reading !== undefined);
  const seconds = read.filter((reading) => reading.error === null).map((reading) => reading.seconds);
  const sorted = [...seconds].sort((a, b) => a - b);
  const memory = engineProcess.peakMemory();

  return {
    engine,
    description: describeEngine(engine),
    pagesRead: seconds.length,
    pagesFailed: read.length - seconds.length,
    meanSecondsPerPage: seconds.length === 0 ? null : seconds.reduce((sum, value) => sum + value, 0) / seconds.length,
    medianSecondsPerPage: sorted.length === 0 ? null : sorted[Math.floor((sorted.length - 1) / 2)]!,
    ...memory,
  };
}

function describeEngine(engine: ComparedEngine): string {
  switch (engine) {
    case 'tesseract.js':
      return 'TesseractJsEngine: tesseract.js 7, 4.0.0_best_int models, psm 3';
    case 'tesseract psm 3':
    case 'tesseract psm 6':
      return `NativeTesseractEngine: Debian tesseract, its own models, ${engine.slice(10)}, OMP_THREAD_LIMIT=1`;
    case 'paddleocr':
      return 'PaddleOcrEngine: PP-OCRv4 ONNX models, onnxruntime CPU, longest side 2400 px';
    case 'pdf-text-layer':
      return "textLayerToOcrResult on the page's stored text layer, after assessTextLayer";
  }
}

/** One engine in a child process: this file run with `--engine-child ENGINE POOL_SIZE`. */
class EngineProcess {
  private readonly channel: ChildExchange<EngineRequest, EngineResponse>;
  private closedWith: Extract<EngineResponse, { type: 'closed' }> | null = null;
  private readonly descendants: { stop(): { peakRssBytes: number }[] };
  private descendantPeaks: number | null = null;
  private readonly engine: ComparedEngine;

  private constructor(engine: ComparedEngine, child: ChildProcess) {
    this.engine = engine;
    this.channel = new ChildExchange(child, `The ${engine} process`);
    this.descendants = sampleDescendantMemory(child.pid, MEMORY_SAMPLE_INTERVAL_MS);
  }

  static async start(engine: ComparedEngine, poolSize: number): Promise<EngineProcess> {
    const child = fork(import.meta.filename, [ENGINE_CHILD_FLAG, engine, String(poolSize)], {
      execArgv: ['--disable-warning=MODULE_TYPELESS_PACKAGE_JSON'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    const engineProcess = new EngineProcess(engine, child);
    const ready = await engineProcess.channel.exchange(null, 60_000);
    if (ready.type !== 'ready') {
      throw new Error(`The ${engine} process sent "${ready.type}" instead of "ready".`);
    }

    return engineProcess;
  }

  async read(page: ComparisonPage, languages: string[]): Promise<EngineReading> {
    const response = await this.channel.exchange({ type: 'read', page, languages }, PAGE_TIMEOUT_MS + 30_000);
    if (response.type !== 'reading' || response.key !== page.key) {
      throw new Error(`The ${this.engine} process returned "${response.type}" for page ${page.key}.`);
    }

    return response.reading;
  }

  async close(): Promise<void> {
    if (this.closedWith === null && !this.channel.exited) {
      const response = await this.channel.exchange({ type: 'close' }, 60_000).catch(() => null);
      this.closedWith = response?.type === 'closed' ? response : null;
    }
    const peaks = this.descendants.stop().map((peak) => peak.peakRssBytes);
    this.descendantPeaks = peaks.length === 0 ? null : Math.max(...peaks);
  }

  /** Returns the peak memory of the process that reads pages, and how it was measured. */
  peakMemory(): { peakRssBytes: number | null; memoryNote: string } {
    switch (this.engine) {
      case 'tesseract.js':
        return {
          peakRssBytes: this.closedWith?.ownPeakRssBytes ?? null,
          memoryNote: 'maxRSS of the process, worker threads included',
        };
      case 'paddleocr':
        return {
          peakRssBytes: this.closedWith?.readerPeakRssBytes ?? this.descendantPeaks,
          memoryNote: 'VmHWM of the PaddleOCR child process',
        };
      case 'pdf-text-layer':
        return {
          peakRssBytes: this.closedWith?.ownPeakRssBytes ?? null,
          memoryNote: 'maxRSS of a Node.js process holding the layers (mostly Node.js itself)',
        };
      default:
        return {
          peakRssBytes: this.descendantPeaks,
          memoryNote: `largest VmHWM of the tesseract processes, sampled every ${MEMORY_SAMPLE_INTERVAL_MS} ms (a lower bound)`,
        };
    }
  }
}

/** Renders the comparison as Markdown tables. */
export function renderEngineComparison(comparison: EngineComparison): string {
  const engines = comparison.engines.map((summary) => summary.engine);
  const lines = [
    '## OCR engines on the same pages',
    '',
    `| case | file | metric | ${engines.join(' | ')} |`,
    `|---|---|---|${engines.map(() => '---').join('|')}|`,
  ];
  for (const document of comparison.documents) {
    const paddleStar = document.languages.some((language) => language !== 'eng');
    const cells = engines.map((engine) => {
      const result = document.results[engine];
      if (!result || result.score === null) {
        return result?.note ? `- (${result.note.slice(0, 60)})` : '-';
      }
      const star = engine === 'paddleocr' && paddleStar ? '*' : '';
      return `${result.score.display}${star}, ${result.secondsPerPage!.toFixed(2)} s`;
    });
    lines.push(`| ${document.caseId} | ${document.file} | ${document.metric} | ${cells.join(' | ')} |`);
  }

  lines.push(
    '',
    '| engine | pages | failed | mean s/page | median s/page | peak RSS | memory measured as |',
    '|---|---|---|---|---|---|---|',
  );
  for (const summary of comparison.engines) {
    lines.push(
      `| ${summary.engine} | ${summary.pagesRead} | ${summary.pagesFailed} | ${formatSeconds(summary.meanSecondsPerPage)} | ` +
        `${formatSeconds(summary.medianSecondsPerPage)} | ${formatMegabytes(summary.peakRssBytes)} | ${summary.memoryNote} |`,
    );
  }
  lines.push('', ...comparison.engines.map((summary) => `- ${summary.engine}: ${summary.description}`));
  lines.push(...comparison.notes.map((note) => `- ${note}`));

  return `${lines.join('\n')}\n`;
}

/** Writes the comparison as JSON and Markdown beside the other results; returns the file paths. */
export async function writeEngineComparison(comparison: EngineComparison, stem: string): Promise<string[]> {
  await writeFile(`${stem}-engines.json`, `${JSON.stringify(comparison, null, 2)}\n`);
  await writeFile(`${stem}-engines.md`, renderEngineComparison(comparison));

  return [`${stem}-engines.json`, `${stem}-engines.md`];
}

function formatSeconds(value: number | null): string {
  return value === null ? '-' : value.toFixed(2);
}

function formatMegabytes(bytes: number | null): string {
  return bytes === null ? '-' : `${Math.round(bytes / 1024 / 1024)} MB`;
}

/** Runs in the engine child: reads pages with one engine, one request at a time. */
async function runEngineChild(engineName: ComparedEngine, poolSize: number): Promise<void> {
  const engine = createEngine(engineName, poolSize);
  const send = (message: EngineResponse) => process.send?.(message);
  let queue = Promise.resolve();

  process.on('message', (request: EngineRequest) => {
    queue = queue.then(async () => {
      if (request.type === 'read') {
        send({
          type: 'reading',
          key: request.page.key,
          reading: await readPage(engine, request.page, request.languages),
        });
        return;
      }
      const readerPeakRssBytes = engine instanceof PaddleOcrEngine ? readPeakRssBytes(engine.childPid) : null;
      await engine?.close();
      // maxRSS is the peak resident set size of this process in kilobytes, worker threads included.
      send({ type: 'closed', ownPeakRssBytes: process.resourceUsage().maxRSS * 1024, readerPeakRssBytes });
      process.disconnect();
    });
  });
  send({ type: 'ready' });
}

function createEngine(engine: ComparedEngine, poolSize: number): OcrEngine | null {
  switch (engine) {
    case 'tesseract.js':
      return new TesseractJsEngine({ concurrency: poolSize });
    case 'tesseract psm 3':
      return new NativeTesseractEngine({ pageSegmentationMode: 3, concurrency: 1 });
    case 'tesseract psm 6':
      return new NativeTesseractEngine({ pageSegmentationMode: 6, concurrency: 1 });
    case 'paddleocr':
      return new PaddleOcrEngine();
    case 'pdf-text-layer':
      return null;
  }
}

async function readPage(engine: OcrEngine | null, page: ComparisonPage, languages: string[]): Promise<EngineReading> {
  const started = performance.now();
  try {
    if (engine === null) {
      return readTextLayer(page, languages, started);
    }
    const result = await engine.recognize(await readFile(page.imageFile), { languages, timeoutMs: PAGE_TIMEOUT_MS });

    return { text: result.text, words: result.words, seconds: result.durationMs / 1000, cpuSeconds: null, error: null };
  } catch (error) {
    return {
      text: '',
      words: [],
      seconds: (performance.now() - started) / 1000,
      cpuSeconds: null,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

function readTextLayer(page: ComparisonPage, languages: string[], started: number): EngineReading {
  const words = page.textLayer ?? [];
  const assessment = assessTextLayer(words, page);
  if (!assessment.usable) {
    return { text: '', words: [], seconds: 0, cpuSeconds: null, error: `layer not usable: ${assessment.reason}` };
  }
  const result = textLayerToOcrResult(words, languages);

  return {
    text: result.text,
    words: result.words,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: null,
    error: null,
  };
}

if (process.argv[2] === ENGINE_CHILD_FLAG && import.meta.filename === process.argv[1]) {
  await runEngineChild(process.argv[3] as ComparedEngine, Number(process.argv[4]) || 1);
}
