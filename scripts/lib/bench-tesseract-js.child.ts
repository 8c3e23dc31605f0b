// Child process of `npm run bench`: reads page images with TesseractJsEngine alone, one page per
// request over the IPC channel, so its time per page and its peak memory are measured apart from
// the pipeline and from the benchmark's own process. Started by TesseractJsProcess.
//
//   fork('bench-tesseract-js.child.ts', [POOL_SIZE])
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

import { TesseractJsEngine } from '@quire/models';

import type { BareEngineRequest, BareEngineResponse, EngineReading, EnginePage } from './bench-engines.ts';

const poolSize = Number(process.argv[2]);
if (!Number.isInteger(poolSize) || poolSize < 1 || !process.send) {
  throw new Error('Start this file with child_process.fork(file, [POOL_SIZE]), POOL_SIZE a positive integer.');
}

// Pages come one at a time, so one worker thread reads at any moment. The pool size only sets how
// many language sets keep a worker ready, as in the pipeline's worker.
const engine = new TesseractJsEngine({ concurrency: poolSize });
const send = (message: BareEngineResponse) => process.send?.(message);

process.on('message', (request: BareEngineRequest) => {
  if (request.type === 'read') {
    void read(request.page).then((reading) => send({ type: 'reading', key: request.page.key, reading }));
    return;
  }

  void engine.close().then(() => {
    // maxRSS is the peak resident set size of this process in kilobytes, worker threads included.
    send({ type: 'closed', peakRssBytes: process.resourceUsage().maxRSS * 1024 });
    process.disconnect();
  });
});
send({ type: 'ready' });

async function read(page: EnginePage): Promise<EngineReading> {
  const image = await readFile(page.imageFile);
  const started = performance.now();
  // process.cpuUsage covers every thread of this process, the tesseract.js worker thread included.
  const cpuAtStart = process.cpuUsage();
  const cpuSeconds = () => {
    const used = process.cpuUsage(cpuAtStart);
    return (used.user + used.system) / 1e6;
  };
  try {
    const result = await engine.recognize(image, { languages: page.languages });

    return {
      text: result.text,
      words: result.words,
      seconds: result.durationMs / 1000,
      cpuSeconds: cpuSeconds(),
      error: null,
    };
  } catch (error) {
    return {
      text: '',
      words: [],
      seconds: (performance.now() - started) / 1000,
      cpuSeconds: cpuSeconds(),
      error: error instanceof Error ? error.message : String(error),
    };
  }
}
