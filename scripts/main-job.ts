// The main job: starts the API and the worker, uploads documents, runs a
// pipeline over every page and prints a summary per document.
//
//   node scripts/main-job.ts [FOLDER] [--languages eng,deu] [--password FILE=PASSWORD]
//     [--pipeline ocr|ocr+llm|vlm] [--profile PROFILE.json|NAME] [--ocr-engine auto|tesseract.js|tesseract|paddleocr]
//     [--force-ocr]
//
// Without FOLDER it builds a few sample PDFs itself and reads them with OCR even
// though they carry a text layer. With FOLDER it uploads every file of a
// supported type found under it and lists the files it skipped.
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import contracts, {
  type DocumentDetail,
  type DocumentSummary,
  type ModelProfileBody,
  type RunDetail,
} from '@quire/contracts';

import { ApiError, type ApiClient, type RunOptions } from './lib/api-client.ts';
import { checkServices } from './lib/check-services.ts';
import { buildDemoDocuments } from './lib/demo-documents.ts';
import { startStack } from './lib/stack.ts';

const SUPPORTED_EXTENSIONS = new Set([
  '.pdf',
  '.png',
  '.jpg',
  '.jpeg',
  '.tif',
  '.tiff',
  '.pbm',
  '.pgm',
  '.ppm',
  '.pnm',
]);
const POLL_INTERVAL_MS = 500;
const DOCUMENT_TIMEOUT_MS = 30 * 60_000;

interface Input {
  name: string;
  bytes: Uint8Array;
}

interface Outcome {
  name: string;
  state: string;
  pages: number;
  words: number;
  meanConfidence: number | null;
  /** OCR engines that read the document's pages, such as `tesseract` or `pdf-text-layer`. */
  engines: string;
  ocrSecondsPerPage: number | null;
  modelSecondsPerPage: number | null;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  /** Model output per page (fields as JSON, or the reply), for model pipelines. */
  outputs: string[];
  seconds: number;
  reason: string | null;
}

const repositoryRoot = path.resolve(import.meta.dirname, '..');
const USAGE =
  'Usage: ./quire run [FOLDER] [--languages eng,deu] [--password FILE=PASSWORD] [--pipeline ocr|ocr+llm|vlm] ' +
  '[--profile PROFILE.json|NAME] [--ocr-engine auto|tesseract.js|tesseract|paddleocr] [--force-ocr]';

const { folder, languages, passwords, runOptions, profileFile } = parseCommandLine();

const env = {
  ...process.env,
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/quire',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  METADATA_SERVER_DETECTION: 'none',
};
const problems = await checkServices(env.DATABASE_URL, env.REDIS_URL);
if (problems.length > 0) {
  for (const problem of problems) {
    console.error(
      `${problem.service} is not reachable at ${problem.address} (${problem.reason}); ${problem.howToStart}.`,
    );
  }
  process.exit(1);
}

const { inputs, skipped } = folder ? await collectFolder(folder) : await collectDemo();
if (inputs.length === 0) {
  exitWithUsage(
    `No PDF, PNG, JPEG, TIFF or PNM/PBM file found under ${folder}; skipped ${skipped.length} other file(s).`,
  );
}
console.log(
  `Processing ${inputs.length} document(s) with pipeline ${runOptions.pipeline}` +
    (runOptions.pipeline === 'vlm' ? '' : `, OCR languages ${languages.join('+')}`) +
    (runOptions.profile ? `, profile ${runOptions.profile}` : '') +
    '.',
);

const stack = await startStack(repositoryRoot, env);
const startedAt = Date.now();
try {
  const profileProblem = profileFile
    ? await saveProfile(stack.api, profileFile)
    : await checkStoredProfile(stack.api, runOptions.profile);
  if (profileProblem) {
    console.error(profileProblem);
    process.exitCode = 1;
  } else {
    const outcomes = await Promise.all(inputs.map((input) => processDocument(stack.api, input)));
    printSummary(outcomes, skipped, (Date.now() - startedAt) / 1000);
    if (outcomes.some((outcome) => outcome.state !== 'succeeded')) {
      process.exitCode = 1;
    }
  }
  console.log(`Logs: ${path.relative(process.cwd(), stack.logDirectory)}`);
} finally {
  await stack.stop();
}

/** Parses the options; mistakes end the job with a message and the usage line, never a stack trace. */
function parseCommandLine(): {
  folder: string | undefined;
  languages: string[];
  passwords: Map<string, string>;
  runOptions: Required<Pick<RunOptions, 'pipeline'>> & RunOptions;
  profileFile: ModelProfileBody | undefined;
} {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        languages: { type: 'string', default: 'eng' },
        password: { type: 'string', multiple: true, default: [] },
        pipeline: { type: 'string', default: 'ocr' },
        profile: { type: 'string' },
        'ocr-engine': { type: 'string', default: 'auto' },
        'force-ocr': { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    return exitWithUsage(error instanceof Error ? error.message : String(error));
  }

  const languages = parsed.values.languages
    .split(',')
    .map((code) => code.trim())
    .filter(Boolean);
  const unknown = languages.filter((code) => !(contracts.OCR_LANGUAGES as readonly string[]).includes(code));
  if (languages.length === 0 || unknown.length > 0) {
    exitWithUsage(`Unknown OCR language "${unknown.join(', ')}"; installed: ${contracts.OCR_LANGUAGES.join(', ')}.`);
  }

  const passwords = new Map<string, string>();
  for (const entry of parsed.values.password) {
    const separator = entry.indexOf('=');
    if (separator <= 0) {
      // The value is not echoed: it is probably the password itself.
      exitWithUsage('--password expects FILE=PASSWORD, for example --password report.pdf=secret.');
    }
    passwords.set(entry.slice(0, separator), entry.slice(separator + 1));
  }

  if (parsed.positionals.length > 1) {
    exitWithUsage(`Expected at most one folder, got ${parsed.positionals.length}.`);
  }

  const pipeline = contracts.PipelineName.safeParse(parsed.values.pipeline);
  if (!pipeline.success) {
    exitWithUsage(`Unknown pipeline "${parsed.values.pipeline}"; use ${contracts.PipelineName.options.join(', ')}.`);
  }
  const ocrEngine = contracts.OcrEngineChoice.safeParse(parsed.values['ocr-engine']);
  if (!ocrEngine.success) {
    exitWithUsage(
      `Unknown OCR engine "${parsed.values['ocr-engine']}"; use ${contracts.OcrEngineChoice.options.join(', ')}.`,
    );
  }
  const needsProfile = contracts.MODEL_PIPELINES.includes(pipeline.data);
  if (needsProfile !== (parsed.values.profile !== undefined)) {
    exitWithUsage(
      needsProfile
        ? `--pipeline ${pipeline.data} needs --profile, a profile JSON file or the name of a stored profile.`
        : `--profile only applies to --pipeline ocr+llm or vlm.`,
    );
  }
  const profileValue = parsed.values.profile;
  const isFile = profileValue !== undefined && (profileValue.endsWith('.json') || existsSync(profileValue));
  const profileFile = isFile ? readProfileFile(profileValue) : undefined;
  if (profileFile) {
    checkProviderConfigured(profileFile.provider);
  }

  return {
    folder: parsed.positionals[0] && path.resolve(parsed.positionals[0]),
    languages,
    passwords,
    runOptions: {
      pipeline: pipeline.data,
      languages,
      ocrEngine: ocrEngine.data,
      // The demo PDFs are built with a text layer, which would replace OCR; the demo is there to show OCR.
      forceOcr: parsed.values['force-ocr'] || parsed.positionals.length === 0,
      ...(needsProfile ? { profile: profileFile?.name ?? parsed.values.profile } : {}),
    },
    profileFile,
  };
}

/** Reads and checks a profile JSON file before anything starts, so a typo costs no OCR time. */
function readProfileFile(file: string): ModelProfileBody {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path.resolve(file), 'utf8'));
  } catch (error) {
    return exitWithUsage(`Cannot read profile ${file}: ${error instanceof Error ? error.message : error}`);
  }
  const profile = contracts.ModelProfileBody.safeParse(json);
  if (!profile.success) {
    const problems = profile.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    return exitWithUsage(`Profile ${file} is not valid: ${problems.join('; ')}`);
  }

  return profile.data;
}

/** Stores the profile from the file; returns why the API refused it, or null. */
async function saveProfile(api: ApiClient, profile: ModelProfileBody): Promise<string | null> {
  try {
    await api.saveProfile(profile);
    return null;
  } catch (error) {
    return `Profile "${profile.name}" was rejected: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Checks that a profile given by name is stored; returns why it cannot be used, or null. */
async function checkStoredProfile(api: ApiClient, name: string | undefined): Promise<string | null> {
  if (name === undefined) {
    return null;
  }
  try {
    await api.getProfile(name);
    return null;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      return `No model profile named "${name}" is stored; pass a profile file instead (--profile examples/profiles/<name>.json).`;
    }
    throw error;
  }
}

function checkProviderConfigured(name: string): void {
  let providers;
  try {
    providers = contracts.parseProviders(process.env);
  } catch (error) {
    return exitWithUsage(error instanceof Error ? error.message : String(error));
  }
  if (!providers.some((provider) => provider.name === name)) {
    const variable = `PROVIDER_${name.toUpperCase().replaceAll('-', '_')}_TYPE`;
    exitWithUsage(
      `The profile uses provider "${name}", which is not configured; set ${variable} and its variables (README, "Model providers").`,
    );
  }
}

function exitWithUsage(message: string): never {
  console.error(message);
  console.error(USAGE);
  process.exit(2);
}

async function collectDemo(): Promise<{ inputs: Input[]; skipped: string[] }> {
  const documents = await buildDemoDocuments();
  return { inputs: documents.map((document) => ({ name: document.filename, bytes: document.bytes })), skipped: [] };
}

async function collectFolder(folder: string): Promise<{ inputs: Input[]; skipped: string[] }> {
  const folderStat = await stat(folder).catch(() => null);
  if (!folderStat?.isDirectory()) {
    exitWithUsage(`Folder ${folder} does not exist or is not a folder.`);
  }
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
  const inputs: Input[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    const name = path.relative(folder, file);
    if (SUPPORTED_EXTENSIONS.has(path.extname(file).toLowerCase())) {
      inputs.push({ name, bytes: await readFile(file) });
    } else {
      skipped.push(name);
    }
  }

  return { inputs, skipped };
}

async function processDocument(api: ApiClient, input: Input): Promise<Outcome> {
  const startedAt = Date.now();
  const outcome = (state: string, reason: string | null, extra: Partial<Outcome> = {}): Outcome => ({
    name: input.name,
    state,
    pages: 0,
    words: 0,
    meanConfidence: null,
    engines: '-',
    ocrSecondsPerPage: null,
    modelSecondsPerPage: null,
    tokensIn: 0,
    tokensOut: 0,
    costUsd: 0,
    outputs: [],
    seconds: (Date.now() - startedAt) / 1000,
    reason,
    ...extra,
  });

  let document: DocumentDetail;
  try {
    document = await waitForIngest(api, await api.upload(path.basename(input.name), input.bytes));
    const password = passwords.get(path.basename(input.name)) ?? passwords.get(input.name);
    if (document.state === 'failed' && password !== undefined) {
      console.log(`${input.name}: ${document.ingestError} Uploading again with the given password.`);
      document = await waitForIngest(api, await api.upload(path.basename(input.name), input.bytes, password));
    } else if (document.state === 'failed' && /password/i.test(document.ingestError ?? '')) {
      document.ingestError += ` With this command: --password ${path.basename(input.name)}=PASSWORD.`;
    }
  } catch (error) {
    const reason =
      error instanceof ApiError ? `rejected at upload (HTTP ${error.status}): ${error.message}` : String(error);
    return report(outcome('rejected', reason));
  }
  if (document.state !== 'ready') {
    return report(outcome('ingest failed', document.ingestError));
  }

  let run: RunDetail;
  try {
    run = await waitForRun(api, await api.startRun(document.id, runOptions));
  } catch (error) {
    const reason = error instanceof ApiError ? `run rejected (HTTP ${error.status}): ${error.message}` : String(error);
    return report(outcome('run rejected', reason));
  }
  const detail = await api.getDocument(document.id);
  let words = 0;
  let confidenceSum = 0;
  const outputs: string[] = [];
  const engines = new Set<string>();
  for (const page of detail.pages) {
    const revisions = await api.transcriptions(page.id);
    const ocrRevision = revisions.find((revision) => revision.runId === run.id && revision.words.length > 0);
    if (ocrRevision?.engine) {
      engines.add(ocrRevision.engine);
    }
    for (const word of ocrRevision?.words ?? []) {
      words += 1;
      confidenceSum += word.confidence;
    }
    const modelRevision = revisions.find((revision) => revision.runId === run.id && revision.engine?.includes('/'));
    if (modelRevision) {
      outputs.push(
        `page ${page.index + 1}: ${modelRevision.fields ? JSON.stringify(modelRevision.fields) : modelRevision.text}`,
      );
    }
  }
  const stepErrors = run.steps
    .filter((step) => step.error)
    .map((step) => `page ${step.pageIndex + 1} (${step.kind}): ${step.error!.replace(/\.$/, '')}`);
  const reason = [run.error?.replace(/\.$/, ''), ...stepErrors].filter(Boolean).join('; ');

  return report(
    outcome(run.state, run.state === 'succeeded' ? null : `${reason}.`, {
      engines: [...engines].join(', ') || '-',
      pages: detail.pageCount ?? 0,
      words,
      meanConfidence: words > 0 ? confidenceSum / words : null,
      ocrSecondsPerPage: meanSeconds(run, (kind) => kind === 'ocr'),
      modelSecondsPerPage: meanSeconds(run, (kind) => kind !== 'ocr'),
      tokensIn: run.tokensIn,
      tokensOut: run.tokensOut,
      costUsd: run.costUsd,
      outputs,
    }),
  );
}

function meanSeconds(run: RunDetail, include: (kind: string) => boolean): number | null {
  const durations = run.steps
    .filter((step) => include(step.kind))
    .map((step) => step.durationMs)
    .filter((value): value is number => value !== null);

  return durations.length > 0 ? durations.reduce((sum, value) => sum + value, 0) / durations.length / 1000 : null;
}

/** Prints one line as each document finishes, so a long job shows progress. */
function report(outcome: Outcome): Outcome {
  console.log(`  ${outcome.name}: ${outcome.state} (${outcome.pages} page(s), ${outcome.seconds.toFixed(1)} s)`);
  return outcome;
}

async function waitForIngest(api: ApiClient, uploaded: DocumentSummary): Promise<DocumentDetail> {
  const deadline = Date.now() + DOCUMENT_TIMEOUT_MS;
  let document = await api.getDocument(uploaded.id);
  while (document.state === 'uploaded' || document.state === 'ingesting') {
    if (Date.now() > deadline) {
      throw new Error(`ingest did not finish within ${DOCUMENT_TIMEOUT_MS / 60_000} minutes`);
    }
    await sleep(POLL_INTERVAL_MS);
    document = await api.getDocument(uploaded.id);
  }

  return document;
}

async function waitForRun(api: ApiClient, started: RunDetail): Promise<RunDetail> {
  const deadline = Date.now() + DOCUMENT_TIMEOUT_MS;
  let run = started;
  while (run.state === 'queued' || run.state === 'running') {
    if (Date.now() > deadline) {
      throw new Error(`run ${run.id} did not finish within ${DOCUMENT_TIMEOUT_MS / 60_000} minutes`);
    }
    await sleep(POLL_INTERVAL_MS);
    run = await api.getRun(started.id);
  }

  return run;
}

function printSummary(outcomes: Outcome[], skipped: string[], seconds: number): void {
  const withModel = runOptions.pipeline !== 'ocr';
  const rows = outcomes.map((outcome) => [
    outcome.name,
    outcome.state,
    String(outcome.pages),
    String(outcome.words),
    outcome.meanConfidence === null ? '-' : outcome.meanConfidence.toFixed(1),
    outcome.engines,
    outcome.ocrSecondsPerPage === null ? '-' : outcome.ocrSecondsPerPage.toFixed(2),
    ...(withModel
      ? [
          outcome.modelSecondsPerPage === null ? '-' : outcome.modelSecondsPerPage.toFixed(2),
          `${outcome.tokensIn}/${outcome.tokensOut}`,
          outcome.costUsd.toFixed(4),
        ]
      : []),
    outcome.seconds.toFixed(1),
  ]);
  const header = [
    'document',
    'outcome',
    'pages',
    'words',
    'mean conf',
    'ocr engine',
    'ocr s/page',
    ...(withModel ? ['model s/page', 'tokens in/out', 'cost USD'] : []),
    'wall s',
  ];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const format = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');

  console.log('');
  console.log(format(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  rows.forEach((row) => console.log(format(row)));
  console.log(
    'ocr s/page: mean time of one page in the OCR engine; wall s: upload to run finished, queue waits included.',
  );
  if (withModel) {
    console.log('cost USD: estimated from the profile prices; 0 when the profile has none.');
  }
  console.log('');

  const outputs = outcomes.filter((outcome) => outcome.outputs.length > 0);
  if (outputs.length > 0) {
    console.log('Model output:');
    for (const outcome of outputs) {
      outcome.outputs.forEach((line) => console.log(`  ${outcome.name} ${truncate(line, 300)}`));
    }
    console.log('');
  }
  const failures = outcomes.filter((outcome) => outcome.reason);
  if (failures.length > 0) {
    console.log('Failures:');
    failures.forEach((outcome) => console.log(`  ${outcome.name}: ${outcome.reason}`));
  }
  if (skipped.length > 0) {
    console.log(`Skipped ${skipped.length} file(s) of unsupported types: ${skipped.join(', ')}`);
  }
  const pages = outcomes.reduce((sum, outcome) => sum + outcome.pages, 0);
  console.log(`Done: ${outcomes.length} document(s), ${pages} page(s) in ${seconds.toFixed(1)} s.`);
}

function truncate(text: string, length: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}
