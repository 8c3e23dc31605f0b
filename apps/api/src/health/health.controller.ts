import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck } from '@quire/contracts';
import type { Response } from 'express';
import { Redis } from 'ioredis';
import { createZodDto } from 'nestjs-zod';

import { PrismaService } from '../infrastructure/prisma.service';
import { REDIS } from '../infrastructure/tokens';

class HealthCheckDto extends createZodDto(HealthCheck) {}

const CHECK_TIMEOUT_MS = 2_000;

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Check PostgreSQL and Redis; 503 when either is unavailable' })
  async check(@Res({ passthrough: true }) response: Response): Promise<HealthCheckDto> {
    const [postgres, redis] = await Promise.all([
      probe(() => this.prisma.client.$queryRaw`SELECT 1`),
      probe(() => this.redis.ping()),
    ]);
    const ok = postgres.ok && redis.ok;
    response.status(ok ? 200 : 503);

    return { status: ok ? 'ok' : 'unavailable', checks: { postgres, redis } };
  }
}

async function probe(check: () => Promise<unknown>): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no reply within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
