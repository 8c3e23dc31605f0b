import net from 'node:net';

export interface ServiceProblem {
  service: 'PostgreSQL' | 'Redis';
  address: string;
  reason: string;
  howToStart: string;
}

const CONNECT_TIMEOUT_MS = 3_000;

/**
 * Checks that PostgreSQL and Redis accept TCP connections at the configured
 * addresses. A TCP check is enough here: it names the unreachable service before
 * anything else starts, and the apps report protocol-level errors themselves.
 */
export async function checkServices(databaseUrl: string, redisUrl: string): Promise<ServiceProblem[]> {
  const postgres = new URL(databaseUrl);
  const redis = new URL(redisUrl);
  const postgresPort = Number(postgres.port || 5432);
  const redisPort = Number(redis.port || 6379);
  const checks = await Promise.all([probe(postgres.hostname, postgresPort), probe(redis.hostname, redisPort)]);
  const problems: ServiceProblem[] = [];
  if (checks[0]) {
    problems.push({
      service: 'PostgreSQL',
      address: `${postgres.hostname}:${postgresPort}`,
      reason: checks[0],
      howToStart:
        'start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` (Debian, port 5432), ' +
        '`docker compose up -d postgres`, or set DATABASE_URL to a server you have',
    });
  }
  if (checks[1]) {
    problems.push({
      service: 'Redis',
      address: `${redis.hostname}:${redisPort}`,
      reason: checks[1],
      howToStart:
        `start it with \`redis-server --daemonize yes --bind 127.0.0.1 --port ${redisPort} --save "" --appendonly no\`, ` +
        '`docker compose up -d redis`, or set REDIS_URL to a server you have',
    });
  }

  return problems;
}

/** Resolves to null when a TCP connection opens, or to the reason it did not. */
function probe(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (reason: string | null) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => finish(`no answer within ${CONNECT_TIMEOUT_MS} ms`));
    socket.once('connect', () => finish(null));
    socket.once('error', (error) => finish(error.message));
  });
}
