/**
 * Opens the backends a StreamHub process runs on (embedded by default, PostgreSQL and Redis when
 * configured) and closes them in reverse order. Shared by the gateway and worker processes.
 */
import type { Config } from '@streamhub/config/config';
import { DOMAIN_EVENTS, type DomainEvents } from '@streamhub/contracts/events';
import { JOB_DEFINITIONS, type JobDefinitionsMap } from '@streamhub/contracts/jobs';
import { type Database, openDatabase } from '@streamhub/db/client';
import { migrateDatabase } from '@streamhub/db/migrate';
import { createCounterStore } from '@streamhub/infra/counters/factory';
import type { CounterStore } from '@streamhub/infra/counters/port';
import { createEventBus } from '@streamhub/infra/event-bus/factory';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import { createJobQueue } from '@streamhub/infra/jobs/factory';
import type { JobQueue } from '@streamhub/infra/jobs/port';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import type { MediaStorage } from '@streamhub/infra/media-storage/port';
import { createPresenceStore } from '@streamhub/infra/realtime/presence/factory';
import type { PresenceStore } from '@streamhub/infra/realtime/presence/port';
import { createRoomBroadcaster } from '@streamhub/infra/realtime/rooms/factory';
import type { RoomBroadcaster } from '@streamhub/infra/realtime/rooms/port';
import { openRedisConnection } from '@streamhub/infra/redis/connection';
import type { Logger } from '@streamhub/logger/logger';
import type { ReadinessCheck } from '../deps.ts';

export interface Backends {
  database: Database;
  events: EventBus<DomainEvents>;
  jobs: JobQueue<JobDefinitionsMap>;
  counters: CounterStore;
  /** Room frames of `/ws`, fanned out to every replica. */
  rooms: RoomBroadcaster;
  /** Live viewers per channel, shared by every replica. */
  presence: PresenceStore;
  /** Where media lives (live HLS, videos' files, uploads, avatars): one instance for the whole process. */
  media: MediaStorage;
  readiness: ReadinessCheck[];
  infra: 'memory' | 'redis';
  /** Closes everything opened so far, newest first; never throws. */
  close(): Promise<void>;
}

export async function openBackends(
  config: Config,
  logger: Logger,
  options: { migrate: boolean },
): Promise<Backends> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) {
      await closer().catch((error: unknown) => logger.error({ err: error }, 'error while closing'));
    }
  };
  const onRedisError = (error: Error) => logger.error({ err: error }, 'redis error');
  const redis = { redisUrl: config.redisUrl, prefix: config.redisPrefix };

  try {
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    closers.push(() => database.close());
    if (options.migrate) await migrateDatabase(database);
    const readiness: ReadinessCheck[] = [{ name: 'database', check: () => database.ping() }];

    if (config.redisUrl) {
      const connection = await openRedisConnection({
        url: config.redisUrl,
        name: 'streamhub-readiness',
        onError: onRedisError,
      });
      closers.push(() => connection.close());
      readiness.push({ name: 'redis', check: () => connection.ping() });
    }
    const counters = await createCounterStore({ ...redis, onError: onRedisError });
    closers.push(() => counters.close());
    const events = await createEventBus(DOMAIN_EVENTS, {
      ...redis,
      onError: (error, context) => logger.error({ err: error, ...context }, 'event bus error'),
    });
    closers.push(() => events.close());
    const rooms = await createRoomBroadcaster({
      ...redis,
      onError: (error, context) => logger.error({ err: error, ...context }, 'room broadcaster error'),
    });
    closers.push(() => rooms.close());
    const presence = await createPresenceStore({ ...redis, onError: onRedisError });
    closers.push(() => presence.close());
    const jobs = await createJobQueue(JOB_DEFINITIONS, {
      ...redis,
      onError: (error) => logger.error({ err: error }, 'job queue error'),
      onFailed: (job, jobId, error, willRetry) =>
        logger[willRetry ? 'warn' : 'error']({ job, jobId, err: error, willRetry }, 'job failed'),
    });
    closers.push(() => jobs.close());

    return {
      database,
      events,
      jobs,
      counters,
      rooms,
      presence,
      media: createMediaStorage({
        dataDir: config.dataDir,
        storage: config.mediaStorage,
        db: database.db,
      }),
      readiness,
      infra: config.redisUrl ? 'redis' : 'memory',
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
