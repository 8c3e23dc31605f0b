// The benchmark's result: its JSON shape, the speed summary derived from it, and the tables printed
// to the console and written as Markdown.
import { formatMachine, type MachineInfo } from './bench-machine.ts';
import type { OutcomeCheck, OutcomeStage } from './bench-outcome.ts';
import type { QueueOverheadMeasurement } from './bench-queue-overhead.ts';
import type { ThroughputMeasurement } from './bench-pipeline.ts';
import type { Score } from './bench-scoring.ts';
import { mean, median, sum } from './bench-statistics.ts';

/** The engines whose readings are scored: the pipeline and the baselines that read the same images. */
export const ENGINE_KEYS = ['pipeline', 'tesseractJs', 'nativeSameModels', 'nativeDebianModels'] as const;
export type EngineKey = (typeof ENGINE_KEYS)[number];

export interface PageTiming {
  /** OCR step time of the pipeline, from GET /api/runs/:id. */
  pipelineSeconds: number | null;
  tesseractJsSeconds: number | null;
  tesseractJsCpuSeconds: number | null;
  nativeSameModelsSeconds: number | null;
  nativeDebianModelsSeconds: number | null;
}

export interface DocumentResult {
  caseId: string;
  file: string;
  withPassword: boolean;
  languages: string[];
  groundTruthNote: string;
  outcome: OutcomeStage;
  httpStatus: number | null;
  error: string | null;
  check: OutcomeCheck;
  pages: number;
  rotations: number[];
  words: number;
  scores: Partial<Record<EngineKey, Score>>;
  pageTimings: PageTiming[];
  ingestSeconds: number | null;
  endToEndSeconds: number | null;
  workerIngestCpuSeconds: number | null;
  workerOcrCpuSeconds: number | null;
  apiCpuSeconds: number | null;
}

export interface BenchReport {
  command: string;
  machine: MachineInfo;
  loadAverage: { start: number[]; end: number[] };
  settings: {
    quick: boolean;
    samples: string;
    database: string;
    queuePrefix: string;
    blobDirectory: string;
    ocrConcurrency: number;
    /** Source of the OCR concurrency: the environment or the worker's default. */
    ocrConcurrencySource: string;
    tesseractJs: string;
    nativeTesseract: string | null;
  };
  documents: DocumentResult[];
  throughput: ThroughputMeasurement | null;
  queueOverhead: QueueOverheadMeasurement | null;
  memory: {
    workerPeakRssBytes: number | null;
    apiPeakRssBytes: number | null;
    renderChildPeakRssBytes: number | null;
    tesseractJsPeakRssBytes: number | null;
  };
  /** Baselines or measurements that did not run, with the reason. */
  skipped: string[];
  speed: SpeedRow[];
}

export interface SpeedRow {
  measure: string;
  quire: string;
  baseline: string;
  baselineValue: string;
  ratio: string;
  note: string;
}

const ENGINE_TITLES: Record<EngineKey, string> = {
  pipeline: 'Quire',
  tesseractJs: 'tesseract.js',
  nativeSameModels: 'native (best_int)',
  nativeDebianModels: 'native (Debian)',
};

/** Builds the speed summary: each Quire figure beside a named baseline measured in the same run. */
export function summarizeSpeed(report: Omit<BenchReport, 'speed'>): SpeedRow[] {
  const rows: SpeedRow[] = [];
  const read = report.documents.filter((document) => document.outcome === 'succeeded');
  const timings = read.flatMap((document) => document.pageTimings);
  const pagesRead = read.reduce((sum, document) => sum + document.pages, 0);

  const bothTimed = timings.filter((timing) => timing.pipelineSeconds !== null && timing.tesseractJsSeconds !== null);
  const pipelineMean = mean(bothTimed.map((timing) => timing.pipelineSeconds!));
  const bareMean = mean(bothTimed.map((timing) => timing.tesseractJsSeconds!));
  const bareName = 'tesseract.js alone, one page at a time';
  // The worker reads the pages of one document side by side, so on a busy machine a step of a
  // multi-page document also waits for CPU. Single-page documents ran one page at a time in both.
  const singlePage = read
    .filter((document) => document.pages === 1)
    .flatMap((document) => document.pageTimings)
    .filter((timing) => timing.pipelineSeconds !== null && timing.tesseractJsSeconds !== null);
  rows.push(
    speedRow(
      'OCR step, mean s/page',
      pipelineMean,
      bareName,
      bareMean,
      's',
      `${bothTimed.length} pages; pages of one document run side by side in Quire`,
    ),
    speedRow(
      'OCR step, mean s/page of single-page documents',
      mean(singlePage.map((timing) => timing.pipelineSeconds!)),
      bareName,
      mean(singlePage.map((timing) => timing.tesseractJsSeconds!)),
      's',
      `${singlePage.length} pages, one at a time in both`,
    ),
    speedRow(
      'OCR step, median s/page',
      median(bothTimed.map((timing) => timing.pipelineSeconds!)),
      bareName,
      median(bothTimed.map((timing) => timing.tesseractJsSeconds!)),
      's',
      `${bothTimed.length} pages`,
    ),
  );

  const endToEnd = sum(read.map((document) => document.endToEndSeconds ?? 0));
  rows.push(
    speedRow(
      'end to end, s/page (upload to run finished, one document at a time)',
      pagesRead === 0 ? null : endToEnd / pagesRead,
      bareName,
      bareMean,
      's',
      `${read.length} documents, ${pagesRead} pages`,
    ),
  );

  const ingested = report.documents.filter((document) => document.ingestSeconds !== null && document.pages > 0);
  const ingestPages = ingested.reduce((total, document) => total + document.pages, 0);
  rows.push(
    speedRow(
      'ingest, s/page (upload to ready: render, turn upright, store)',
      ingestPages === 0 ? null : sum(ingested.map((document) => document.ingestSeconds!)) / ingestPages,
      bareName,
      bareMean,
      's',
      `${ingested.length} documents, ${ingestPages} pages`,
    ),
  );

  // CPU time depends less than wall time on what else runs on a shared machine.
  const cpuTimed = read.filter(
    (document) =>
      document.workerOcrCpuSeconds !== null &&
      document.pageTimings.every((timing) => timing.tesseractJsCpuSeconds !== null),
  );
  const cpuPages = cpuTimed.reduce((total, document) => total + document.pages, 0);
  const bareCpu =
    cpuPages === 0
      ? null
      : sum(cpuTimed.flatMap((document) => document.pageTimings.map((timing) => timing.tesseractJsCpuSeconds!))) /
        cpuPages;
  const apiCpu = cpuPages === 0 ? null : sum(cpuTimed.map((document) => document.apiCpuSeconds ?? 0)) / cpuPages;
  rows.push(
    speedRow(
      'OCR, CPU s/page of the worker process during the run',
      cpuPages === 0 ? null : sum(cpuTimed.map((document) => document.workerOcrCpuSeconds!)) / cpuPages,
      'tesseract.js alone, CPU s/page of its process',
      bareCpu,
      's',
      `${cpuTimed.length} documents, ${cpuPages} pages; the API used ${formatNumber(apiCpu, 2)} CPU s/page meanwhile`,
    ),
  );
  const ingestCpuTimed = ingested.filter((document) => document.workerIngestCpuSeconds !== null);
  const ingestCpuPages = ingestCpuTimed.reduce((total, document) => total + document.pages, 0);
  rows.push(
    speedRow(
      'ingest, CPU s/page of the worker process and its render children',
      ingestCpuPages === 0
        ? null
        : sum(ingestCpuTimed.map((document) => document.workerIngestCpuSeconds!)) / ingestCpuPages,
      'tesseract.js alone, CPU s/page of its process',
      bareCpu,
      's',
      `${ingestCpuTimed.length} documents, ${ingestCpuPages} pages`,
    ),
  );

  if (report.throughput) {
    const throughput = report.throughput;
    rows.push(
      speedRow(
        `OCR runs started together, wall s/page (${report.settings.ocrConcurrency} pages at once)`,
        throughput.pages === 0 ? null : throughput.wallSeconds / throughput.pages,
        bareName,
        bareMean,
        's',
        `${throughput.runs} runs, ${throughput.pages} pages, ${throughput.failedRuns} failed; ` +
          `mean OCR step ${formatNumber(throughput.meanStepSeconds, 2)} s while pages ran side by side`,
      ),
    );
  }

  for (const [key, title] of [
    ['nativeSameModelsSeconds', 'native tesseract, same best_int models'],
    ['nativeDebianModelsSeconds', 'native tesseract, Debian models'],
  ] as const) {
    const paired = timings.filter((timing) => timing[key] !== null && timing.tesseractJsSeconds !== null);
    if (paired.length === 0) {
      continue;
    }
    rows.push(
      speedRow(
        'tesseract.js alone, mean s/page',
        mean(paired.map((timing) => timing.tesseractJsSeconds!)),
        `${title}, one process per page`,
        mean(paired.map((timing) => timing[key]!)),
        's',
        `${paired.length} pages`,
      ),
    );
  }

  if (report.queueOverhead) {
    const queue = report.queueOverhead;
    rows.push(
      speedRow(
        'queue, ms per no-op page job (runFlow shape)',
        queue.flowMsPerJob,
        'plain BullMQ Queue.addBulk + Worker',
        queue.plainMsPerJob,
        'ms',
        `${queue.jobs} jobs, ${queue.jobs / queue.pagesPerRun} runs of ${queue.pagesPerRun} pages, ` +
          `concurrency ${queue.concurrency}, median of ${queue.repetitions}`,
      ),
    );
  }

  const memory = report.memory;
  rows.push({
    measure: 'peak RSS of the worker process, MB',
    quire: formatMegabytes(memory.workerPeakRssBytes),
    baseline: 'tesseract.js alone, peak RSS of its process',
    baselineValue: formatMegabytes(memory.tesseractJsPeakRssBytes),
    ratio: formatRatio(memory.workerPeakRssBytes, memory.tesseractJsPeakRssBytes),
    note:
      `API ${formatMegabytes(memory.apiPeakRssBytes)} MB; ` +
      (memory.renderChildPeakRssBytes === null
        ? 'no PDF render child process was seen'
        : `PDF render child at least ${formatMegabytes(memory.renderChildPeakRssBytes)} MB (sampled every 100 ms)`),
  });

  return rows;
}

function speedRow(
  measure: string,
  quire: number | null,
  baseline: string,
  baselineValue: number | null,
  unit: 's' | 'ms',
  note: string,
): SpeedRow {
  const digits = unit === 'ms' ? 3 : 2;

  return {
    measure,
    quire: formatNumber(quire, digits),
    baseline,
    baselineValue: formatNumber(baselineValue, digits),
    ratio: formatRatio(quire, baselineValue),
    note,
  };
}

/** Renders the three tables as aligned plain text. */
export function renderConsole(report: BenchReport): string {
  return renderReport(report, formatPlainTable);
}

/** Renders the three tables and the notes as Markdown. */
export function renderMarkdown(report: BenchReport): string {
  return renderReport(report, formatMarkdownTable);
}

type TableFormatter = (header: string[], rows: string[][]) => string;

function renderReport(report: BenchReport, formatTable: TableFormatter): string {
  const markdown = formatTable === formatMarkdownTable;
  const heading = (text: string) => (markdown ? `### ${text}` : `== ${text} ==`);
  const { machine, settings } = report;
  const lines: string[] = [];

  const bullet = markdown ? '- ' : '';
  lines.push(
    `${bullet}Machine: ${formatMachine(machine)}`,
    `${bullet}Load average (1/5/15 min) at start ${formatLoad(report.loadAverage.start)}, ` +
      `at end ${formatLoad(report.loadAverage.end)}`,
    `${bullet}Engines: ${settings.tesseractJs}; native: ${settings.nativeTesseract ?? 'not installed'}; ` +
      `worker OCR_CONCURRENCY ${settings.ocrConcurrency} (${settings.ocrConcurrencySource})`,
    `${bullet}Command: ${report.command}`,
    '',
  );

  lines.push(heading('Accuracy and outcome per document'), '');
  const accuracyRows = report.documents.map((document, index) => [
    String(index + 1),
    document.caseId,
    document.withPassword ? `${document.file} (password)` : document.file,
    formatLanguages(document.languages),
    document.outcome,
    document.check.pass ? 'PASS' : 'FAIL',
    String(document.pages),
    document.rotations.length === 0 ? '-' : document.rotations.join(','),
    String(document.words),
    document.scores.pipeline?.metric || '-',
    ...ENGINE_KEYS.map((key) => document.scores[key]?.display ?? '-'),
  ]);
  lines.push(
    formatTable(
      [
        '#',
        'case',
        'file',
        'lang',
        'outcome',
        'check',
        'pages',
        'rot°',
        'words',
        'metric',
        ...ENGINE_KEYS.map((key) => ENGINE_TITLES[key]),
      ],
      accuracyRows,
    ),
    '',
  );
  lines.push('Notes:', '');
  report.documents.forEach((document, index) => {
    for (const note of documentNotes(document)) {
      lines.push(`${markdown ? '- ' : '  '}#${index + 1}: ${note}`);
    }
  });
  lines.push('');

  lines.push(heading('Speed per document (seconds per page)'), '');
  const speedRows = report.documents
    .map((document, index) => ({ document, index }))
    .filter(({ document }) => document.pages > 0)
    .map(({ document, index }) => {
      const pipeline = meanOf(document.pageTimings, 'pipelineSeconds');
      const bare = meanOf(document.pageTimings, 'tesseractJsSeconds');
      const perPage = (value: number | null) =>
        value === null || document.pages === 0 ? '-' : formatNumber(value / document.pages, 2);
      return [
        String(index + 1),
        document.file,
        String(document.pages),
        perPage(document.ingestSeconds),
        formatNumber(pipeline, 2),
        formatNumber(bare, 2),
        formatRatio(pipeline, bare),
        perPage(document.workerOcrCpuSeconds),
        formatNumber(meanOf(document.pageTimings, 'tesseractJsCpuSeconds'), 2),
        formatNumber(meanOf(document.pageTimings, 'nativeSameModelsSeconds'), 2),
        formatNumber(meanOf(document.pageTimings, 'nativeDebianModelsSeconds'), 2),
        perPage(document.endToEndSeconds),
      ];
    });
  lines.push(
    formatTable(
      [
        '#',
        'file',
        'pages',
        'ingest',
        'Quire OCR',
        'tesseract.js',
        'Quire ÷ t.js',
        'Quire OCR CPU',
        't.js CPU',
        'native (best_int)',
        'native (Debian)',
        'end to end',
      ],
      speedRows,
    ),
    '',
  );

  lines.push(heading('Speed and memory beside baselines'), '');
  lines.push(
    formatTable(
      ['measure', 'Quire', 'baseline', 'baseline value', 'Quire ÷ baseline', 'note'],
      report.speed.map((row) => [row.measure, row.quire, row.baseline, row.baselineValue, row.ratio, row.note]),
    ),
    '',
  );

  if (report.skipped.length > 0) {
    lines.push('Not measured:', ...report.skipped.map((reason) => `${markdown ? '- ' : '  '}${reason}`), '');
  }

  return lines.join('\n');
}

function documentNotes(document: DocumentResult): string[] {
  const notes: string[] = [];
  if (!document.check.pass) {
    notes.push(`FAIL: ${document.check.reason}`);
  }
  if (document.outcome !== 'succeeded' && document.error) {
    const status = document.httpStatus === null ? '' : `HTTP ${document.httpStatus}: `;
    const after =
      document.outcome === 'ingest failed' && document.ingestSeconds !== null
        ? ` after ${formatNumber(document.ingestSeconds, 2)} s`
        : '';
    notes.push(`${document.outcome}${after}: ${status}${document.error}`);
  }
  if (document.scores.pipeline?.metric) {
    notes.push(`ground truth: ${document.groundTruthNote}`);
  }
  for (const key of ENGINE_KEYS) {
    for (const note of document.scores[key]?.notes ?? []) {
      notes.push(`${ENGINE_TITLES[key]}: ${note}`);
    }
  }

  return notes;
}

function formatPlainTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const format = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();

  return [format(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(format)].join('\n');
}

function formatMarkdownTable(header: string[], rows: string[][]): string {
  const escape = (cell: string) => cell.replaceAll('|', '\\|');
  const format = (row: string[]) => `| ${row.map(escape).join(' | ')} |`;

  return [format(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(format)].join('\n');
}

function formatLanguages(languages: readonly string[]): string {
  return languages.length <= 2 ? languages.join('+') : `${languages[0]}+${languages.length - 1} more`;
}

function formatLoad(values: readonly number[]): string {
  return values.map((value) => value.toFixed(2)).join(' / ');
}

export function formatNumber(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

function formatRatio(value: number | null, baseline: number | null): string {
  if (value === null || baseline === null || !Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0) {
    return '-';
  }

  return `${(value / baseline).toFixed(2)}×`;
}

function formatMegabytes(bytes: number | null): string {
  return bytes === null ? '-' : (bytes / 1024 ** 2).toFixed(0);
}

function meanOf(timings: readonly PageTiming[], key: keyof PageTiming): number | null {
  return mean(timings.map((timing) => timing[key]).filter((value): value is number => value !== null));
}
