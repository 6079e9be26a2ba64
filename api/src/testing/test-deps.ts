/** Gateway dependencies for tests: real in-process backends, a silent logger, config from overrides. */
import { type EnvSource, loadConfig } from '@streamhub/config/config';
import { createMemoryCounterStore } from '@streamhub/infra/counters/memory';
import { createLogger } from '@streamhub/logger/logger';
import type { GatewayDeps } from '../deps.ts';

export function testDeps(env: EnvSource = {}, overrides: Partial<GatewayDeps> = {}): GatewayDeps {
  const config = loadConfig({ LOG_LEVEL: 'silent', ...env }, { envFile: false });
  return {
    config,
    logger: createLogger({ level: config.logLevel, name: 'test' }),
    counters: createMemoryCounterStore(),
    readiness: [],
    drivers: { database: 'pglite', infra: 'memory' },
    remoteAddress: () => '127.0.0.1',
    ...overrides,
  };
}
