/** Gateway dependencies for tests: real in-process backends, a silent logger, config from overrides. */
import { type EnvSource, loadConfig } from '@streamhub/config/config';
import { DOMAIN_EVENTS, type DomainEvents } from '@streamhub/contracts/events';
import { JOB_DEFINITIONS, type JobDefinitionsMap } from '@streamhub/contracts/jobs';
import type { Database, Driver } from '@streamhub/db/client';
import { createTestDatabase } from '@streamhub/db/testing';
import { createMemoryCounterStore } from '@streamhub/infra/counters/memory';
import { createMemoryEventBus } from '@streamhub/infra/event-bus/memory';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import { createMemoryJobQueue } from '@streamhub/infra/jobs/memory';
import type { JobQueue } from '@streamhub/infra/jobs/port';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { createMemoryPresenceStore } from '@streamhub/infra/realtime/presence/memory';
import type { PresenceStore } from '@streamhub/infra/realtime/presence/port';
import { createMemoryRoomBroadcaster } from '@streamhub/infra/realtime/rooms/memory';
import type { RoomBroadcaster } from '@streamhub/infra/realtime/rooms/port';
import { createLogger } from '@streamhub/logger/logger';
import type { GatewayDeps } from '../deps.ts';
import { type AbusePolicy, DEFAULT_ABUSE_POLICY } from '../domains/auth/abuse-guard.ts';
import { generateSigningJwk, keyRingFromJson, type SigningKeyRing } from '../domains/auth/signing-keys.ts';
import { UsersRepository } from '../domains/users/users.repository.ts';
import {
  broadcastingNotificationPublisher,
  broadcastingRoomPublisher,
  broadcastingVideoStatusPublisher,
} from '../realtime/create-hub.ts';
import { createServices, type ServiceBackends } from '../services.ts';

// Test files sign up many users from one address; the abuse limits have their own test.
const RELAXED_ABUSE_POLICY: AbusePolicy = {
  ...DEFAULT_ABUSE_POLICY,
  perIp: { ...DEFAULT_ABUSE_POLICY.perIp, register: { max: 10_000, windowMs: 60_000 } },
};

// Real scrypt, cheap parameters: the algorithm is what the tests check, not its cost.
export const TEST_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };

export interface TestBackends {
  database: Database;
  events: EventBus<DomainEvents>;
  /** Not started: a test that needs jobs to run starts it with the handlers it wants. */
  jobs: JobQueue<JobDefinitionsMap>;
  /** Chat services built by `deps` publish their room frames here. */
  rooms: RoomBroadcaster;
  presence: PresenceStore;
  signingKeys: SigningKeyRing;
  /** Gateway deps on these backends; services are built for the given settings. */
  deps(
    env?: EnvSource,
    overrides?: Partial<GatewayDeps>,
    serviceOptions?: Partial<ServiceBackends>,
  ): GatewayDeps;
  close(): Promise<void>;
}

/** A migrated database of the given driver and in-process events and jobs, shared by one test file. */
export async function createTestBackends(driver: Driver = 'pglite'): Promise<TestBackends> {
  const database = await createTestDatabase(driver);
  // The first account of an instance becomes its admin (domains/auth/first-account.ts). This one stands
  // for the account made at installation, so that sign-ups in tests start as viewers, as they do on an
  // instance in use; first-account.test.ts tests the policy on databases of its own.
  await new UsersRepository(database.db).create({
    email: 'instance-operator@example.test',
    username: 'instance_operator',
    role: 'admin',
  });
  const events = createMemoryEventBus(DOMAIN_EVENTS, { prefix: `test-${crypto.randomUUID()}:` });
  const jobs = createMemoryJobQueue(JOB_DEFINITIONS);
  const prefix = `test-${crypto.randomUUID()}:`;
  const rooms = createMemoryRoomBroadcaster({ prefix });
  const presence = createMemoryPresenceStore({ prefix });
  const signingKeys = await keyRingFromJson(
    JSON.stringify({ keys: [await generateSigningJwk()] }),
    'test keys',
  );
  return {
    database,
    events,
    jobs,
    rooms,
    presence,
    signingKeys,
    deps: (env = {}, overrides = {}, serviceOptions = {}) => {
      const config = loadConfig({ LOG_LEVEL: 'silent', ...env }, { envFile: false });
      const counters = createMemoryCounterStore();
      const logger = createLogger({ level: config.logLevel, name: 'test' });
      return {
        config,
        logger,
        services: createServices({
          config,
          db: database.db,
          events,
          jobs,
          signingKeys,
          counters,
          presence,
          media: createMediaStorage({
            dataDir: config.dataDir,
            storage: config.mediaStorage,
            db: database.db,
          }),
          logger,
          scrypt: TEST_SCRYPT,
          abusePolicy: RELAXED_ABUSE_POLICY,
          roomPublisher: broadcastingRoomPublisher(rooms),
          videoStatusPublisher: broadcastingVideoStatusPublisher(rooms),
          notificationPublisher: broadcastingNotificationPublisher(rooms),
          ...serviceOptions,
        }),
        signingKeys,
        counters,
        presence,
        readiness: [],
        drivers: { database: driver, infra: 'memory' },
        remoteAddress: () => '127.0.0.1',
        ...overrides,
      };
    },
    close: async () => {
      await jobs.close();
      await rooms.close();
      await presence.close();
      await events.close();
      await database.close();
    },
  };
}
