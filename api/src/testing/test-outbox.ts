/** The modules' durable consumers on a test's backends, relayed and run in-process as on an embedded gateway. */

import type { DomainEventPayload, DomainEvents } from '@streamhub/contracts/events';
import type { Database } from '@streamhub/db/client';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { sql } from 'drizzle-orm';
import type { GatewayDeps } from '../deps.ts';
import { moduleConsumers } from '../modules/run-modules.ts';
import { MODULES } from '../modules.ts';
import { type Outbox, openOutbox } from '../runtime/outbox.ts';

/**
 * Starts the relay and every module's consumers, `concurrency` consumer jobs at once (1 as on a
 * gateway; `streamhub serve worker --concurrency N` runs N); `close()` the result when done.
 */
export async function startTestOutbox(
  backends: { database: Database; events: EventBus<DomainEvents> },
  deps: GatewayDeps,
  concurrency = 1,
): Promise<Outbox> {
  const consumers = moduleConsumers(MODULES, deps.services, {
    config: deps.config,
    logger: deps.logger,
    events: backends.events,
    media: createMediaStorage({
      dataDir: deps.config.dataDir,
      storage: deps.config.mediaStorage,
      db: backends.database.db,
    }),
  });
  const outbox = await openOutbox(deps.config, backends.database, deps.logger, consumers);
  try {
    await outbox.startConsumers(concurrency);
  } catch (error) {
    await outbox.close();
    throw error;
  }
  return outbox;
}

/** The payloads of `name` stored in the outbox so far, oldest first: what durable consumers will receive. */
export async function storedEvents<K extends keyof DomainEvents & string>(
  db: Database['db'],
  name: K,
): Promise<DomainEventPayload<K>[]> {
  const rows = await db
    .select({ payload: sql<DomainEventPayload<K>>`payload` })
    .from(sql`events.outbox`)
    .where(sql`name = ${name}`)
    .orderBy(sql`seq`);
  return rows.map((row) => row.payload);
}
