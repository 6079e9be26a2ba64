/**
 * The gateway's dependencies built as the production runtime (`gateway-runtime.ts`) builds them on
 * PostgreSQL without Redis, except for what a benchmark pins: the settings, a log file instead of
 * stdout, a data directory (signing keys) under the bench's temporary directory and no readiness checks.
 */
import type { GatewayDeps } from '@streamhub/api/deps';
import { ensureSigningKeys, loadSigningKeys } from '@streamhub/api/domains/auth/signing-keys';
import { createJobHandlers } from '@streamhub/api/jobs/handlers';
import { createLogMailer } from '@streamhub/api/mail/log-mailer';
import { openBackends } from '@streamhub/api/runtime/backends';
import { gatewayDeps } from '@streamhub/api/runtime/gateway-runtime';
import type { RemoteAddressResolver } from '@streamhub/api/server/types';
import { loadConfig } from '@streamhub/config/config';
import { createLogDestination, createLogger } from '@streamhub/logger/logger';
import { BENCH_ORIGIN } from '../protocol.ts';

export interface BenchDeps {
  deps: GatewayDeps;
  /** Closes the backends and flushes the log. */
  close(): Promise<void>;
}

export async function createBenchDeps(options: {
  logFile: string;
  dataDir: string;
  databaseUrl: string;
  remoteAddress: RemoteAddressResolver;
  /** Only the prepare step migrates; the servers open the migrated database. */
  migrate?: boolean;
}): Promise<BenchDeps> {
  const config = loadConfig(
    {
      LOG_LEVEL: 'info',
      CORS_ORIGINS: BENCH_ORIGIN,
      RATE_LIMIT_MAX: '100000000',
      DATABASE_URL: options.databaseUrl,
      // One token, signed by the prepare step, serves the whole run.
      ACCESS_TOKEN_TTL_SECONDS: '86400',
      // Only so that the signing keys land in the bench's temporary directory.
      STREAMHUB_DATA_DIR: options.dataDir,
    },
    { envFile: false },
  );
  // Production's stdout destination on a file, so logging costs what it costs in production.
  const logger = createLogger({
    level: config.logLevel,
    name: 'gateway',
    destination: createLogDestination(options.logFile),
  });
  await ensureSigningKeys(config.dataDir);
  const signingKeys = await loadSigningKeys({
    dataDir: config.dataDir,
    signingKeys: config.auth.signingKeys,
  });
  const backends = await openBackends(config, logger, { migrate: options.migrate ?? false });
  try {
    // Without REDIS_URL the counters are the in-memory store of packages/infra/src/counters/memory.ts.
    if (backends.infra !== 'memory') throw new Error('the bench expects in-process counters and jobs');
    await backends.jobs.start(createJobHandlers({ mailer: createLogMailer(logger) }));
    // No readiness checks: the benchmark measures the API route, not the probes.
    const deps: GatewayDeps = {
      ...gatewayDeps({ config, logger, backends, signingKeys, remoteAddress: options.remoteAddress }),
      readiness: [],
    };
    return {
      deps,
      close: async () => {
        await backends.close();
        await new Promise<void>((resolve) => logger.flush(() => resolve()));
      },
    };
  } catch (error) {
    await backends.close();
    throw error;
  }
}
