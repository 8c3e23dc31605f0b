// Exits non-zero, naming the service, its address and how to start it, when
// PostgreSQL or Redis cannot be reached.
import { checkServices } from './lib/check-services.ts';

const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/quire';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const problems = await checkServices(databaseUrl, redisUrl);
for (const problem of problems) {
  console.error(
    `${problem.service} is not reachable at ${problem.address} (${problem.reason}); ${problem.howToStart}.`,
  );
}
process.exitCode = problems.length > 0 ? 1 : 0;
