// The main job: starts the API and the worker, uploads documents, reads every
// page with OCR and prints a summary per document.
//
//   node scripts/main-job.ts [FOLDER] [--languages eng,deu] [--password FILE=PASSWORD]
//
// Without FOLDER it builds a few sample PDFs itself. With FOLDER it uploads every
// file of a supported type found under it and lists the files it skipped.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import contracts, { type DocumentDetail, type DocumentSummary, type RunDetail } from '@quire/contracts';

import { ApiError, type ApiClient } from './lib/api-client.ts';
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
  ocrSecondsPerPage: number | null;
  seconds: number;
  reason: string | null;
}

const repositoryRoot = path.resolve(import.meta.dirname, '..');
const USAGE = 'Usage: ./quire run [FOLDER] [--languages eng,deu] [--password FILE=PASSWORD]';

const { folder, languages, passwords } = parseCommandLine();

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
console.log(`Processing ${inputs.length} document(s) with OCR languages ${languages.join('+')}.`);

const stack = await startStack(repositoryRoot, env);
const startedAt = Date.now();
try {
  const outcomes = await Promise.all(inputs.map((input) => processDocument(stack.api, input)));
  printSummary(outcomes, skipped, (Date.now() - startedAt) / 1000);
  console.log(`Logs: ${path.relative(process.cwd(), stack.logDirectory)}`);
} finally {
  await stack.stop();
}

/** Parses the options; mistakes end the job with a message and the usage line, never a stack trace. */
function parseCommandLine(): { folder: string | undefined; languages: string[]; passwords: Map<string, string> } {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        languages: { type: 'string', default: 'eng' },
        password: { type: 'string', multiple: true, default: [] },
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

  return { folder: parsed.positionals[0] && path.resolve(parsed.positionals[0]), languages, passwords };
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
    ocrSecondsPerPage: null,
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

  const run = await waitForRun(api, await api.startRun(document.id, languages));
  const detail = await api.getDocument(document.id);
  let words = 0;
  let confidenceSum = 0;
  for (const page of detail.pages) {
    const transcription = await api.latestTranscription(page.id);
    for (const word of transcription?.words ?? []) {
      words += 1;
      confidenceSum += word.confidence;
    }
  }
  const durations = run.steps.map((step) => step.durationMs).filter((value): value is number => value !== null);
  const stepErrors = run.steps.filter((step) => step.error).map((step) => `page ${step.pageIndex + 1}: ${step.error}`);

  return report(
    outcome(run.state, run.state === 'succeeded' ? null : [run.error, ...stepErrors].filter(Boolean).join('; '), {
      pages: detail.pageCount ?? 0,
      words,
      meanConfidence: words > 0 ? confidenceSum / words : null,
      ocrSecondsPerPage:
        durations.length > 0 ? durations.reduce((sum, value) => sum + value, 0) / durations.length / 1000 : null,
    }),
  );
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
  const rows = outcomes.map((outcome) => [
    outcome.name,
    outcome.state,
    String(outcome.pages),
    String(outcome.words),
    outcome.meanConfidence === null ? '-' : outcome.meanConfidence.toFixed(1),
    outcome.ocrSecondsPerPage === null ? '-' : outcome.ocrSecondsPerPage.toFixed(2),
    outcome.seconds.toFixed(1),
  ]);
  const header = ['document', 'outcome', 'pages', 'words', 'mean conf', 'ocr s/page', 'wall s'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const format = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');

  console.log('');
  console.log(format(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  rows.forEach((row) => console.log(format(row)));
  console.log(
    'ocr s/page: mean time of one page in the OCR engine; wall s: upload to run finished, queue waits included.',
  );
  console.log('');

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
