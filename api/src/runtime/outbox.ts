/**
 * A process's durable-events machinery: the modules' durable consumers (`DomainModule.consumers`), the job queue that carries one job
 * per consumer and event, and the outbox relay. See docs/events.md.
 */
import type { Config } from '@streamhub/config/config';
import { DOMAIN_EVENTS, type DomainEvents } from '@streamhub/contracts/events';
import type { Database } from '@streamhub/db/client';
import { createJobQueue } from '@streamhub/infra/jobs/factory';
import type { JobQueue } from '@streamhub/infra/jobs/port';
import {
  type Consumer,
  type ConsumerJobDefinitions,
  type ConsumerRegistry,
  createConsumerRegistry,
} from '@streamhub/infra/outbox/consumers';
import { createOutboxRelay, type OutboxRelay } from '@streamhub/infra/outbox/relay';
import { startConsumers } from '@streamhub/infra/outbox/runner';
import type { Logger } from '@streamhub/logger/logger';

export interface Outbox {
  registry: ConsumerRegistry<DomainEvents>;
  queue: JobQueue<ConsumerJobDefinitions>;
  relay: OutboxRelay;
  /** Runs the consumers' jobs in this process (workers, and any process when jobs are in-process). */
  startConsumers(concurrency?: number): Promise<void>;
  /** Stops the relay, then the consumers' queue. */
  close(): Promise<void>;
}

/** Opens the consumers' queue (BullMQ with REDIS_URL, in-process otherwise) and starts the relay. */
export async function openOutbox(
  config: Config,
  database: Database,
  logger: Logger,
  consumers: Consumer<DomainEvents>[],
): Promise<Outbox> {
  const registry = createConsumerRegistry(DOMAIN_EVENTS, consumers);
  const queue = await createJobQueue(registry.jobDefinitions, {
    redisUrl: config.redisUrl,
    prefix: config.redisPrefix,
    onError: (error) => logger.error({ err: error }, 'consumer queue error'),
    onFailed: (job, jobId, error, willRetry) =>
      logger[willRetry ? 'warn' : 'error']({ job, jobId, err: error, willRetry }, 'consumer job failed'),
  });
  const relay = createOutboxRelay({
    database,
    registry,
    queue,
    onError: (error) => logger.error({ err: error }, 'outbox relay error'),
    onActiveChange: (active) =>
      logger.info({ active }, active ? 'outbox relay active' : 'outbox relay standing by'),
  });
  try {
    await relay.start();
  } catch (error) {
    await queue.close();
    throw error;
  }
  return {
    registry,
    queue,
    relay,
    startConsumers: (concurrency = 1) => startConsumers(queue, registry, database.db, { concurrency }),
    async close() {
      await relay.close();
      await queue.close();
    },
  };
}
