// Renders the model overhead measurement: each Quire figure beside the bare SDK baseline measured
// in the same call, as a ratio and as absolute numbers, with the machine it ran on.
import { formatMachine } from './bench-machine.ts';
import type { ModelOverheadResult } from './bench-model-overhead.ts';

/** One line of the comparison: Quire's figure, the baseline's, and what they measure. */
export interface ModelOverheadRow {
  measure: string;
  quire: number | null;
  baseline: string;
  baselineValue: number | null;
  /** Quire ÷ baseline, or null when either figure is missing. */
  ratio: number | null;
  note: string;
}

/** Builds the comparison rows, each Quire figure beside the baseline measured in the same call. */
export function modelOverheadRows(result: ModelOverheadResult): ModelOverheadRow[] {
  const { vlm, ocrLlm, endpoint, settings } = result;
  const limit = settings.concurrency;
  const rows: ModelOverheadRow[] = [
    row(
      `vlm, wall s/page (run requested to finished, ${limit} at once)`,
      vlm.wallSecondsPerPage,
      `bare SDK, ${limit} requests at once, wall s/request`,
      endpoint.visionConcurrent.secondsPerRequest,
      `${vlm.pages} pages, ${vlm.succeededPages} succeeded; ${formatMs(vlm.wallSecondsPerPage, endpoint.visionConcurrent.secondsPerRequest)} per page`,
    ),
    row(
      'vlm, pages/s',
      vlm.pagesPerSecond,
      `bare SDK, ${limit} requests at once, requests/s`,
      endpoint.visionConcurrent.requestsPerSecond,
      'higher is faster here',
    ),
    row(
      'vlm, model step mean s (durationMs)',
      vlm.meanModelStepSeconds,
      'bare SDK, one request at a time, s/request',
      endpoint.visionSequential.secondsPerRequest,
      `median step ${formatNumber(vlm.medianModelStepSeconds, 3)} s; ${formatMs(vlm.meanModelStepSeconds, endpoint.visionSequential.secondsPerRequest)} per page`,
    ),
  ];
  if (ocrLlm !== null && endpoint.textSequential !== null && endpoint.textConcurrent !== null) {
    rows.push(
      row(
        'ocr+llm, model step mean s (durationMs)',
        ocrLlm.meanModelStepSeconds,
        'bare SDK, text body, one request at a time, s/request',
        endpoint.textSequential.secondsPerRequest,
        `median step ${formatNumber(ocrLlm.medianModelStepSeconds, 3)} s; ${formatMs(ocrLlm.meanModelStepSeconds, endpoint.textSequential.secondsPerRequest)} per page`,
      ),
      row(
        `ocr+llm, wall s/page (run requested to finished, ${limit} at once)`,
        ocrLlm.wallSecondsPerPage,
        `bare SDK, text body, ${limit} requests at once, wall s/request`,
        endpoint.textConcurrent.secondsPerRequest,
        `includes the OCR step before each model step (mean ${formatNumber(ocrLlm.meanOcrStepSeconds, 3)} s)`,
      ),
    );
  }
  const runs = ocrLlm === null ? [vlm] : [vlm, ocrLlm];
  const maxInFlight = Math.max(...runs.map((run) => run.maxInFlightSoFar));
  rows.push({
    measure: `max requests in flight at the provider (${runs.map((run) => run.pipeline).join(' and ')})`,
    quire: maxInFlight,
    baseline: 'PROVIDER_BENCH_MAX_CONCURRENCY',
    baselineValue: limit,
    ratio: null,
    note: maxInFlight <= limit ? 'within the limit' : 'OVER THE LIMIT',
  });

  return rows;
}

function row(
  measure: string,
  quire: number | null,
  baseline: string,
  baselineValue: number,
  note: string,
): ModelOverheadRow {
  const ratio = quire === null || !Number.isFinite(baselineValue) || baselineValue === 0 ? null : quire / baselineValue;

  return { measure, quire, baseline, baselineValue, ratio, note };
}

/** Renders the comparison as a Markdown section. */
export function renderModelOverhead(result: ModelOverheadResult): string {
  const { settings } = result;
  const sizes = [
    `mean page PNG ${formatKilobytes(settings.meanPageImageBytes)}`,
    `vision request body ${formatKilobytes(settings.meanVisionBodyBytes)}`,
    ...(settings.meanTextBodyBytes === null
      ? []
      : [`text request body ${formatKilobytes(settings.meanTextBodyBytes)}`]),
  ];
  const lines = [
    '## Model step beside a bare endpoint',
    '',
    `A fake OpenAI-compatible server on 127.0.0.1 replies after ${settings.replyDelayMs} ms in place of a model. ` +
      `Quire reads a ${settings.pages}-page PDF (${sizes.join(', ')}) with provider \`${settings.providerName}\` ` +
      `(MAX_CONCURRENCY ${settings.concurrency}, REQUESTS_PER_MINUTE ${settings.requestsPerMinute}). ` +
      `The baseline replays the bodies Quire sent through the openai SDK ${settings.openaiSdkVersion} alone, ` +
      'the same SDK the worker uses, after one untimed request.',
    '',
    `- Machine: ${formatMachine(result.machine)}`,
    `- Load average (1/5/15 min) at start ${formatLoad(result.loadAverage.start)}, at end ${formatLoad(result.loadAverage.end)}`,
    '',
    '| measure | Quire | baseline | baseline value | Quire ÷ baseline | note |',
    '|---|---|---|---|---|---|',
  ];
  for (const entry of modelOverheadRows(result)) {
    const digits = entry.ratio === null ? 0 : 3;
    lines.push(
      `| ${entry.measure} | ${formatNumber(entry.quire, digits)} | ${entry.baseline} | ` +
        `${formatNumber(entry.baselineValue, digits)} | ${entry.ratio === null ? '-' : `${entry.ratio.toFixed(2)}×`} | ${entry.note} |`,
    );
  }
  lines.push('', ...result.notes.map((note) => `- ${note}`));

  return `${lines.join('\n').trimEnd()}\n`;
}

function formatNumber(value: number | null, digits: number): string {
  return value === null || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

/** Formats the difference of two durations in seconds as signed milliseconds. */
function formatMs(quire: number | null, baseline: number): string {
  if (quire === null || !Number.isFinite(baseline)) {
    return '-';
  }
  const difference = (quire - baseline) * 1000;

  return `${difference >= 0 ? '+' : '−'}${Math.abs(difference).toFixed(1)} ms`;
}

function formatKilobytes(bytes: number | null): string {
  return bytes === null ? '-' : `${(bytes / 1024).toFixed(0)} KB`;
}

function formatLoad(values: readonly number[]): string {
  return values.map((value) => value.toFixed(2)).join(' / ');
}
