import { Logger } from '@nestjs/common';

import { createApiApp } from './app.factory';
import { loadApiConfig } from './config/api-config';

async function main(): Promise<void> {
  const config = loadApiConfig();
  const app = await createApiApp(config);
  await app.listen(config.API_PORT, config.API_HOST);
  Logger.log(`API listening on ${await app.getUrl()}; OpenAPI at /api/docs.`, 'Bootstrap');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
