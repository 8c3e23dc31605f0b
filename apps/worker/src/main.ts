import { loadWorkerConfig } from './config/worker-config';
import { createWorkerApp } from './worker.factory';

createWorkerApp(loadWorkerConfig()).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
