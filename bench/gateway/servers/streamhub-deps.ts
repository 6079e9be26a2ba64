/**
 * The gateway's dependencies built as the production runtime (`gateway-runtime.ts`) builds them, except
 * for what a benchmark must pin: the settings, a log file instead of stdout, no database readiness check.
 */
import type { GatewayDeps } from '@streamhub/api/deps';
import type { RemoteAddressResolver } from '@streamhub/api/server/types';
import { loadConfig } from '@streamhub/config/config';
import { createMemoryCounterStore } from '@streamhub/infra/counters/memory';
import { createLogger } from '@streamhub/logger/logger';
import { pino } from 'pino';
import { BENCH_ORIGIN } from '../protocol.ts';

export interface BenchDeps {
  deps: GatewayDeps;
  /** Flushes the log and stops the counter sweep. */
  close(): Promise<void>;
}

export function createBenchDeps(logFile: string, remoteAddress: RemoteAddressResolver): BenchDeps {
  const config = loadConfig(
    { LOG_LEVEL: 'info', CORS_ORIGINS: BENCH_ORIGIN, RATE_LIMIT_MAX: '100000000' },
    { envFile: false },
  );
  // Asynchronous like production's stdout stream, so logging costs what it costs in production.
  const logger = createLogger({
    level: config.logLevel,
    name: 'gateway',
    destination: pino.destination({ dest: logFile, sync: false }),
  });
  // What `createCounterStore` returns without REDIS_URL; imported directly so the bench never loads Redis.
  const counters = createMemoryCounterStore();
  const deps: GatewayDeps = {
    config,
    logger,
    counters,
    readiness: [],
    drivers: { database: 'pglite', infra: 'memory' },
    remoteAddress,
  };
  return {
    deps,
    close: async () => {
      await counters.close();
      await new Promise<void>((resolve) => logger.flush(() => resolve()));
    },
  };
}
