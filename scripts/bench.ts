// Benchmarks the OCR pipeline on the shared samples: the outcome and accuracy of every case, and
// its speed and memory beside baselines measured in the same run (tesseract.js alone, native
// Tesseract when installed, plain BullMQ).
//
//   npm run bench [-- --samples ../shared/samples] [--quick] [--only engines|models]
//
// Needs `npm run build` first. It uses a database, a BullMQ prefix and a blob folder of its own
// (quire_bench, quire-bench, data/bench-blobs), resets them at the start, and writes its tables to
// bench-results/<time>.{json,md}. See docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { dropDatabase } from '../packages/db/src/database-admin.ts';
import { getDatabaseName, resolveDatabaseUrl, withDatabaseName } from '../packages/db/src/database-url.ts';
import { BenchApi } from './lib/bench-api.ts';
import { BaselineReaders } from './lib/bench-baselines.ts';
import type { EnginePage, EngineReading } from './lib/bench-engines.ts';
import {
  attachTextLayers,
  compareEngines,
  documentsWithGroundTruth,
  prepareWithoutStack,
  renderEngineComparison,
  writeEngineComparison,
  type ComparisonDocument,
} from './lib/bench-ocr-engines.ts';
import { describeMachine, readPeakRssBytes, sampleDescendantMemory } from './lib/bench-machine.ts';
import { checkOutcome } from './lib/bench-outcome.ts';
import {
  measureRunThroughput,
  runDocument,
  type DocumentRun,
  type ThroughputMeasurement,
} from './lib/bench-pipeline.ts';
import { measureModelOverhead, renderModelOverhead } from './lib/bench-model-overhead.ts';
import { measureQueueOverhead, obliterateQueues } from './lib/bench-queue-overhead.ts';
import {
  renderConsole,
  renderMarkdown,
  summarizeSpeed,
  type BenchReport,
  type DocumentResult,
  type EngineKey,
} from './lib/bench-report.ts';
import { loadReference, scorePages, type PageReading, type Score } from './lib/bench-scoring.ts';
import { checkServices } from './lib/check-services.ts';
import { selectSampleCases, type SampleCase, type SampleDocument } from './lib/sample-cases.ts';
import { startStack } from './lib/stack.ts';

const BENCH_DATABASE = 'quire_bench';
const BENCH_QUEUE_PREFIX = 'quire-bench';
const STACK_QUEUES = ['ingest', 'ocr', 'runs'];
/** Limit for the ingest, and again for the run, of one document. */
const DOCUMENT_TIMEOUT_MS = 15 * 60_000;
const QUEUE_OVERHEAD_JOBS = 200;
const QUEUE_OVERHEAD_PAGES_PER_RUN = 10;
const QUEUE_OVERHEAD_REPETITIONS = 5;
const MEMORY_SAMPLE_INTERVAL_MS = 100;
const MODEL_OVERHEAD_PAGES = 40;
const MODEL_OVERHEAD_CONCURRENCY = 4;
// Stands in for a model's latency, so the overhead is measured against a realistic request time.
const MODEL_OVERHEAD_REPLY_DELAY_MS = 200;

const repositoryRoot = path.resolve(import.meta.dirname, '..');

interface PlannedDocument {
  sampleCase: SampleCase;
  document: SampleDocument;
  caseFolder: string;
}

interface Readings {
  tesseractJs: Record<string, EngineReading>;
  nativeSameModels: Record<string, EngineReading>;
  nativeDebianModels: Record<string, EngineReading>;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      samples: { type: 'string', default: path.resolve(repositoryRoot, '..', 'shared', 'samples') },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(
      'Usage: npm run bench [-- --samples FOLDER] [--quick] [--only engines|models]\n' +
        '  --samples FOLDER  the shared samples folder (default: ../shared/samples beside the repository)\n' +
        '  --quick           only phototest, eurotext and one FUNSD form\n' +
        '  --only engines    only ingest the samples with ground truth and compare the OCR engines on their pages\n' +
        '  --only models     only measure the model step against a bare OpenAI-compatible endpoint',
    );
    return 0;
  }
  if (values.only !== undefined && values.only !== 'engines' && values.only !== 'models') {
    console.error(`--only takes "engines" or "models", got "${values.only}".`);
    return 1;
  }

  const problems = findMissingBuildOutputs();
  const samplesFolder = path.resolve(values.samples);
  if (!existsSync(samplesFolder)) {
    problems.push(`The samples folder ${samplesFolder} does not exist; pass its path with --samples.`);
  }
  if (problems.length > 0) {
    problems.forEach((problem) => console.error(problem));
    return 1;
  }

  const startedAt = new Date();
  const machine = describeMachine(startedAt);
  const loadAtStart = os.loadavg();
  const cases = selectSampleCases(values.quick);
  const planned = planDocuments(cases, samplesFolder);
  if (planned.missing.length > 0) {
    console.error(`Sample files are missing: ${planned.missing.join(', ')}. Check the --samples folder.`);
    return 1;
  }

  if (values.only === 'engines') {
    return runEngineComparisonAlone(planned.documents, startedAt);
  }

  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const databaseUrl = withDatabaseName(resolveDatabaseUrl(process.env), BENCH_DATABASE);
  const blobDirectory = path.join(repositoryRoot, 'data', 'bench-blobs');
  const serviceProblems = await checkServices(databaseUrl, redisUrl);
  if (serviceProblems.length > 0) {
    for (const problem of serviceProblems) {
      console.error(
        `${problem.service} is not reachable at ${problem.address} (${problem.reason}); ${problem.howToStart}.`,
      );
    }
    return 1;
  }

  // The worker reads OCR_CONCURRENCY and defaults to one page per CPU core.
  const ocrConcurrency = Number(process.env.OCR_CONCURRENCY) || os.availableParallelism();
  const ocrConcurrencySource = process.env.OCR_CONCURRENCY ? 'set in the environment' : 'default: one per CPU core';
  console.log(`Benchmark on ${machine.cpuModel}, ${machine.cores} cores; ${planned.documents.length} uploads.`);

  await resetBenchState(databaseUrl, redisUrl, blobDirectory);
  const workDirectory = await mkdtemp(path.join(os.tmpdir(), 'quire-bench-'));
  try {
    const stackEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: BENCH_QUEUE_PREFIX,
      BLOB_DIR: blobDirectory,
      METADATA_SERVER_DETECTION: 'none',
    };
    if (values.only === 'models') {
      await measureAndWriteModelOverhead(stackEnv, values.quick, startedAt);
      return 0;
    }
    const languages = new Set(cases.flatMap((sampleCase) => sampleCase.languages));
    const baselines = await BaselineReaders.start(languages, ocrConcurrency, workDirectory);
    let pipeline: PipelinePhase;
    let tesseractJsPeakRssBytes: number | null;
    try {
      pipeline = await runPipelinePhase(stackEnv, planned.documents, baselines, path.join(workDirectory, 'pages'));
    } finally {
      tesseractJsPeakRssBytes = await baselines.close();
    }
    const skipped = baselines.notes();

    console.log("Comparing the OCR engines on the pipeline's upright pages.");
    const engineComparison = await compareEngines(
      await comparisonDocuments(planned.documents, pipeline.runs, databaseUrl),
      { tesseractJsPoolSize: ocrConcurrency },
    );
    console.log(`\n${renderEngineComparison(engineComparison)}`);
    await writeEngineComparison(engineComparison, resultStem(startedAt));

    console.log(
      `Queue overhead: ${QUEUE_OVERHEAD_JOBS} no-op jobs, plain BullMQ against runFlow, ${QUEUE_OVERHEAD_REPETITIONS} times each.`,
    );
    const queueOverhead = await measureQueueOverhead({
      redisUrl,
      prefix: `${BENCH_QUEUE_PREFIX}-queue-overhead`,
      jobs: QUEUE_OVERHEAD_JOBS,
      pagesPerRun: QUEUE_OVERHEAD_PAGES_PER_RUN,
      repetitions: QUEUE_OVERHEAD_REPETITIONS,
      concurrency: ocrConcurrency,
      timeoutMs: 60_000,
    });

    await measureAndWriteModelOverhead(stackEnv, values.quick, startedAt);

    const documents = await scoreDocuments(planned.documents, pipeline.runs, pipeline.readings);
    const tesseractJsVersion = readPackageVersion('tesseract.js');
    const partial: Omit<BenchReport, 'speed'> = {
      command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
      machine,
      loadAverage: { start: loadAtStart, end: os.loadavg() },
      settings: {
        quick: values.quick,
        samples: samplesFolder,
        database: getDatabaseName(databaseUrl),
        queuePrefix: BENCH_QUEUE_PREFIX,
        blobDirectory: path.relative(repositoryRoot, blobDirectory),
        ocrConcurrency,
        ocrConcurrencySource,
        tesseractJs: `tesseract.js ${tesseractJsVersion} with @tesseract.js-data 4.0.0_best_int models, psm 3, LSTM only`,
        nativeTesseract: baselines.nativeDescription,
      },
      documents,
      throughput: pipeline.throughput,
      queueOverhead,
      memory: { ...pipeline.memory, tesseractJsPeakRssBytes },
      skipped,
    };
    const report: BenchReport = { ...partial, speed: summarizeSpeed(partial) };

    console.log(`\n${renderConsole(report)}`);
    const written = await writeResults(report, startedAt);
    console.log(`Results: ${written.map((file) => path.relative(process.cwd(), file)).join(', ')}`);

    const failed = documents.filter((document) => !document.check.pass).length;
    if (failed > 0) {
      console.log(`${failed} of ${documents.length} outcome checks failed; see FAIL in the notes above.`);
      return 1;
    }
    console.log(`All ${documents.length} outcome checks passed.`);
    return 0;
  } finally {
    await rm(workDirectory, { recursive: true, force: true });
  }
}

/** Measures the vlm and ocr+llm model steps against the bare OpenAI SDK on a local fake endpoint. */
async function measureAndWriteModelOverhead(stackEnv: NodeJS.ProcessEnv, quick: boolean, startedAt: Date): Promise<void> {
  const pages = quick ? 8 : MODEL_OVERHEAD_PAGES;
  console.log(`Model step overhead: ${pages} pages through vlm and ocr+llm against a bare endpoint.`);
  const modelOverhead = await measureModelOverhead({
    repositoryRoot,
    env: stackEnv,
    pages,
    concurrency: MODEL_OVERHEAD_CONCURRENCY,
    replyDelayMs: MODEL_OVERHEAD_REPLY_DELAY_MS,
    queuePrefix: `${BENCH_QUEUE_PREFIX}-model`,
  });
  const markdown = renderModelOverhead(modelOverhead);
  console.log(`\n${markdown}`);
  const stem = resultStem(startedAt);
  await writeFile(`${stem}-model.json`, `${JSON.stringify(modelOverhead, null, 2)}\n`);
  await writeFile(`${stem}-model.md`, markdown);
}

function findMissingBuildOutputs(): string[] {
  const outputs = [
    'apps/api/dist/main.js',
    'apps/worker/dist/main.js',
    'packages/models/dist/index.js',
    'packages/contracts/dist/index.js',
    'packages/models/dist/testing/index.js',
  ];

  return outputs
    .filter((output) => !existsSync(path.join(repositoryRoot, output)))
    .map((output) => `${output} is missing: run \`npm run build\` first; the benchmark runs the built API and worker.`);
}

function planDocuments(
  cases: readonly SampleCase[],
  samplesFolder: string,
): { documents: PlannedDocument[]; missing: string[] } {
  const documents = cases.flatMap((sampleCase) =>
    sampleCase.documents.map((document) => ({
      sampleCase,
      document,
      caseFolder: path.join(samplesFolder, sampleCase.id),
    })),
  );
  const missing = documents
    .map(({ caseFolder, document }) => path.join(caseFolder, document.file))
    .filter((file) => !existsSync(file));

  return { documents, missing: [...new Set(missing)] };
}

/**
 * Empties the benchmark's own database, queues and blob folder, so every run starts from the same
 * state: the API returns an existing document for bytes it has seen, which would skip the ingest.
 * The names are fixed constants, so this never touches the user's data.
 */
async function resetBenchState(databaseUrl: string, redisUrl: string, blobDirectory: string): Promise<void> {
  console.log(
    `Resetting database ${BENCH_DATABASE}, BullMQ prefix ${BENCH_QUEUE_PREFIX} and ${path.relative(repositoryRoot, blobDirectory)}.`,
  );
  await dropDatabase(databaseUrl);
  // The same script as `npm run db:migrate`: creates the database, then applies the migrations.
  const migrate = spawnSync(
    process.execPath,
    ['--disable-warning=MODULE_TYPELESS_PACKAGE_JSON', path.join(repositoryRoot, 'scripts', 'db-migrate.ts')],
    { cwd: repositoryRoot, env: { ...process.env, DATABASE_URL: databaseUrl }, encoding: 'utf8' },
  );
  if (migrate.status !== 0) {
    throw new Error(
      `Migrating database ${BENCH_DATABASE} failed (exit status ${migrate.status}):\n${migrate.stdout}${migrate.stderr}`,
    );
  }
  await obliterateQueues(redisUrl, BENCH_QUEUE_PREFIX, STACK_QUEUES);
  await rm(blobDirectory, { recursive: true, force: true });
}

interface PipelinePhase {
  runs: DocumentRun[];
  readings: Readings;
  throughput: ThroughputMeasurement | null;
  memory: { workerPeakRssBytes: number | null; apiPeakRssBytes: number | null; renderChildPeakRssBytes: number | null };
}

/**
 * Starts the API and worker and sends every document through them, one at a time. Right after a
 * document, the baselines read its upright pages, so that both see about the same load from other
 * processes. Then all readable documents get a second OCR run at once, to measure throughput.
 */
async function runPipelinePhase(
  env: NodeJS.ProcessEnv,
  documents: readonly PlannedDocument[],
  baselines: BaselineReaders,
  imageDirectory: string,
): Promise<PipelinePhase> {
  await mkdir(imageDirectory, { recursive: true });
  const stack = await startStack(repositoryRoot, env);
  const renderChildren = sampleDescendantMemory(stack.pids.worker, MEMORY_SAMPLE_INTERVAL_MS);
  try {
    console.log(`API and worker started (logs in ${path.relative(process.cwd(), stack.logDirectory)}).`);
    const api = new BenchApi(stack.baseUrl);
    const context = {
      api,
      imageDirectory,
      workerPid: stack.pids.worker,
      apiPid: stack.pids.api,
      timeoutMs: DOCUMENT_TIMEOUT_MS,
    };

    const runs: DocumentRun[] = [];
    const readings: Readings = { tesseractJs: {}, nativeSameModels: {}, nativeDebianModels: {} };
    for (const [index, planned] of documents.entries()) {
      const run = await runDocument(context, planned.sampleCase, planned.document, planned.caseFolder);
      runs.push(run);
      const seconds = run.endToEndSeconds ?? run.ingestSeconds;
      console.log(
        `[${index + 1}/${documents.length}] ${planned.sampleCase.id}/${planned.document.file}` +
          `${planned.document.password ? ' (password)' : ''}: ${run.observed.stage}, ${run.observed.pages} page(s)` +
          (seconds === null ? '' : `, ${seconds.toFixed(1)} s`),
      );

      for (const page of run.pages) {
        if (page.imageFile === null) {
          continue;
        }
        const key = pageKey(index, page.index);
        const enginePage: EnginePage = { key, imageFile: page.imageFile, languages: run.languages };
        const baseline = await baselines.read(enginePage);
        readings.tesseractJs[key] = baseline.tesseractJs;
        if (baseline.nativeSameModels) {
          readings.nativeSameModels[key] = baseline.nativeSameModels;
        }
        if (baseline.nativeDebianModels) {
          readings.nativeDebianModels[key] = baseline.nativeDebianModels;
        }
      }
    }

    const readable = [
      ...new Map(
        runs.filter((run) => run.observed.stage === 'succeeded').map((run) => [run.documentId!, run]),
      ).values(),
    ];
    let throughput: ThroughputMeasurement | null = null;
    if (readable.length > 0) {
      console.log(`Starting ${readable.length} OCR runs at once to measure throughput.`);
      throughput = await measureRunThroughput(
        api,
        readable.map((run) => ({ documentId: run.documentId!, languages: run.languages })),
        DOCUMENT_TIMEOUT_MS,
      );
    }

    // VmHWM is the peak since each process started, so it covers every phase above.
    const memory = {
      workerPeakRssBytes: readPeakRssBytes(stack.pids.worker),
      apiPeakRssBytes: readPeakRssBytes(stack.pids.api),
      renderChildPeakRssBytes: null as number | null,
    };
    const peaks = renderChildren.stop();
    memory.renderChildPeakRssBytes = peaks.length === 0 ? null : Math.max(...peaks.map((peak) => peak.peakRssBytes));

    return { runs, readings, throughput, memory };
  } finally {
    renderChildren.stop();
    await stack.stop();
  }
}

async function scoreDocuments(
  planned: readonly PlannedDocument[],
  runs: readonly DocumentRun[],
  readings: Readings,
): Promise<DocumentResult[]> {
  const results: DocumentResult[] = [];
  for (const [runIndex, run] of runs.entries()) {
    const { sampleCase, document, caseFolder } = planned[runIndex]!;
    const read = run.observed.stage === 'succeeded';
    const scores: Partial<Record<EngineKey, Score>> = {};
    if (read) {
      const reference = await loadReference(document.groundTruth, caseFolder);
      scores.pipeline = scorePages(reference, run.pages);
      for (const key of ['tesseractJs', 'nativeSameModels', 'nativeDebianModels'] as const) {
        const pages = baselinePages(run, runIndex, readings[key]);
        if (pages !== null) {
          scores[key] = scorePages(reference, pages);
        }
      }
    }

    results.push({
      caseId: sampleCase.id,
      file: document.file,
      withPassword: run.withPassword,
      languages: run.languages,
      groundTruthNote: sampleCase.groundTruthNote,
      outcome: run.observed.stage,
      httpStatus: run.observed.httpStatus,
      error: run.observed.error,
      check: checkOutcome(document.expected, run.observed),
      pages: run.observed.pages,
      rotations: run.observed.rotations,
      words: run.pages.reduce((total, page) => total + page.words.length, 0),
      scores,
      pageTimings: read
        ? run.pages.map((page) => {
            const key = pageKey(runIndex, page.index);
            const seconds = (engine: Record<string, EngineReading>) => {
              const reading = engine[key];
              return reading && reading.error === null ? reading.seconds : null;
            };
            const bare = readings.tesseractJs[key];
            return {
              pipelineSeconds: page.stepDurationMs === null ? null : page.stepDurationMs / 1000,
              tesseractJsSeconds: seconds(readings.tesseractJs),
              tesseractJsCpuSeconds: bare && bare.error === null ? bare.cpuSeconds : null,
              nativeSameModelsSeconds: seconds(readings.nativeSameModels),
              nativeDebianModelsSeconds: seconds(readings.nativeDebianModels),
            };
          })
        : [],
      ingestSeconds: run.ingestSeconds,
      endToEndSeconds: run.endToEndSeconds,
      workerIngestCpuSeconds: run.workerIngestCpuSeconds,
      workerOcrCpuSeconds: read ? run.workerOcrCpuSeconds : null,
      apiCpuSeconds: run.apiCpuSeconds,
    });
  }

  return results;
}

/** Pairs the baseline's readings of a document's pages with the pipeline's rotations; returns null unless every page was read. */
function baselinePages(
  run: DocumentRun,
  runIndex: number,
  readings: Record<string, EngineReading>,
): PageReading[] | null {
  const pages: PageReading[] = [];
  for (const page of run.pages) {
    const reading = readings[pageKey(runIndex, page.index)];
    if (!reading || reading.error !== null) {
      return null;
    }
    pages.push({ rotation: page.rotation, text: reading.text, words: reading.words });
  }

  return pages;
}

function pageKey(runIndex: number, pageIndex: number): string {
  return `${runIndex}:${pageIndex}`;
}

function readPackageVersion(name: string): string {
  const requireFromModels = createRequire(path.join(repositoryRoot, 'packages', 'models', 'package.json'));

  return (requireFromModels(`${name}/package.json`) as { version: string }).version;
}

/** Path of the results of a run without extension, creating its folder: bench-results/<time>. */
function resultStem(startedAt: Date): string {
  const folder = path.join(repositoryRoot, 'bench-results');
  mkdirSync(folder, { recursive: true });

  return path.join(folder, startedAt.toISOString().replace(/[:.]/g, '-'));
}

/**
 * `--only engines`: turns the documents with ground truth into upright pages with the worker's
 * own ingest code (no API, worker process or database), then compares the OCR engines on them.
 */
async function runEngineComparisonAlone(documents: readonly PlannedDocument[], startedAt: Date): Promise<number> {
  const ocrConcurrency = Number(process.env.OCR_CONCURRENCY) || os.availableParallelism();
  const imageDirectory = await mkdtemp(path.join(os.tmpdir(), 'quire-bench-engines-'));
  try {
    const prepared = await prepareWithoutStack(repositoryRoot, documentsWithGroundTruth(documents), imageDirectory);
    const comparison = await compareEngines(prepared.documents, { tesseractJsPoolSize: ocrConcurrency });
    comparison.notes.push(...prepared.notes);
    console.log(`\n${renderEngineComparison(comparison)}`);
    const written = await writeEngineComparison(comparison, resultStem(startedAt));
    console.log(`Results: ${written.map((file) => path.relative(process.cwd(), file)).join(', ')}`);

    return 0;
  } finally {
    await rm(imageDirectory, { recursive: true, force: true });
  }
}

/** Collects the documents with ground truth that the pipeline read, with the page images it saved. */
async function comparisonDocuments(
  planned: readonly PlannedDocument[],
  runs: readonly DocumentRun[],
  databaseUrl: string,
): Promise<ComparisonDocument[]> {
  const documents: ComparisonDocument[] = [];
  const withGroundTruth = new Set(documentsWithGroundTruth(planned));
  for (const [runIndex, run] of runs.entries()) {
    const document = planned[runIndex]!;
    const images = run.pages.map((page) => ({ index: page.index, rotation: page.rotation, imageFile: page.imageFile }));
    if (!withGroundTruth.has(document) || run.documentId === null || images.some((page) => page.imageFile === null)) {
      continue;
    }
    const pages = await attachTextLayers(
      databaseUrl,
      run.documentId,
      images.map((page) => ({ ...page, imageFile: page.imageFile! })),
      run.languages,
      runIndex,
    );
    documents.push({ ...document, pages });
  }

  return documents;
}

async function writeResults(report: BenchReport, startedAt: Date): Promise<string[]> {
  const stem = resultStem(startedAt);
  await writeFile(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(`${stem}.md`, `# Quire benchmark, ${report.machine.date}\n\n${renderMarkdown(report)}`);

  return [`${stem}.json`, `${stem}.md`];
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error('npm run bench failed:', error);
  process.exitCode = 1;
}
