/** Gateway dependencies for tests: real in-process backends, a silent logger, config from overrides. */
import { type EnvSource, loadConfig } from '@streamhub/config/config';
import { DOMAIN_EVENTS, type DomainEvents } from '@streamhub/contracts/events';
import type { Database, Driver } from '@streamhub/db/client';
import { createTestDatabase } from '@streamhub/db/testing';
import { createMemoryCounterStore } from '@streamhub/infra/counters/memory';
import { createMemoryEventBus } from '@streamhub/infra/event-bus/memory';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import { createLogger } from '@streamhub/logger/logger';
import type { GatewayDeps } from '../deps.ts';
import { createServices } from '../services.ts';

// Real scrypt, cheap parameters: the algorithm is what the tests check, not its cost.
const TEST_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };

export interface TestBackends {
  database: Database;
  events: EventBus<DomainEvents>;
  deps(env?: EnvSource, overrides?: Partial<GatewayDeps>): GatewayDeps;
  close(): Promise<void>;
}

/** A migrated database of the given driver and an in-process event bus, shared by one test file. */
export async function createTestBackends(driver: Driver = 'pglite'): Promise<TestBackends> {
  const database = await createTestDatabase(driver);
  const events = createMemoryEventBus(DOMAIN_EVENTS, { prefix: `test-${crypto.randomUUID()}:` });
  const services = createServices({ db: database.db, events, scrypt: TEST_SCRYPT });
  return {
    database,
    events,
    deps: (env = {}, overrides = {}) => {
      const config = loadConfig({ LOG_LEVEL: 'silent', ...env }, { envFile: false });
      return {
        config,
        logger: createLogger({ level: config.logLevel, name: 'test' }),
        services,
        counters: createMemoryCounterStore(),
        readiness: [],
        drivers: { database: driver, infra: 'memory' },
        remoteAddress: () => '127.0.0.1',
        ...overrides,
      };
    },
    close: async () => {
      await events.close();
      await database.close();
    },
  };
}
