/**
 * Runs consumer jobs: decodes the stored event, then calls the consumer's handler the way its mode asks
 * (plainly, once per event through `events.handled`, or in aggregate order through
 * `events.consumer_positions`).
 */
import type { Db } from '@streamhub/db/client';
import { consumerPositions, handledEvents, outbox } from '@streamhub/db/schema/events';
import { and, asc, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { EventMap } from '../event-bus/port.ts';
import {
  type JobContext,
  type JobHandler,
  type JobQueue,
  NonRetryableError,
  type StartOptions,
} from '../jobs/port.ts';
import { toError } from '../shared/timers.ts';
import {
  type Consumer,
  type ConsumerJob,
  type ConsumerJobDefinitions,
  type ConsumerJobName,
  type ConsumerRegistry,
  type ConsumerTx,
  consumerJobName,
  type OutboxEvent,
} from './consumers.ts';

type AnyEvent<M extends EventMap> = OutboxEvent<M>;
type ConsumerJobHandler = JobHandler<ConsumerJobDefinitions, ConsumerJobName>;

/** One handler per registered consumer, generated from the registry: none can be missing. */
export function consumerJobHandlers<M extends EventMap>(
  registry: ConsumerRegistry<M>,
  db: Db,
): Record<ConsumerJobName, ConsumerJobHandler> {
  const handlers: Record<ConsumerJobName, ConsumerJobHandler> = {};
  for (const consumer of registry.consumers) {
    handlers[consumerJobName(consumer.name)] = (job, context) =>
      runConsumer(registry, db, consumer, decodeStored(registry.schemas, job), context);
  }
  return handlers;
}

/** Starts processing every consumer's jobs on `queue` (its definitions must be the registry's). */
export async function startConsumers<M extends EventMap>(
  queue: Pick<JobQueue<ConsumerJobDefinitions>, 'start'>,
  registry: ConsumerRegistry<M>,
  db: Db,
  options?: StartOptions,
): Promise<void> {
  await queue.start(consumerJobHandlers(registry, db), options);
}

async function runConsumer<M extends EventMap>(
  registry: ConsumerRegistry<M>,
  db: Db,
  consumer: Consumer<M>,
  event: AnyEvent<M>,
  context: JobContext,
): Promise<void> {
  if (consumer.mode === 'idempotent') {
    await consumer.handle(event as never, context);
    return;
  }
  if (consumer.mode === 'once') {
    // Nothing to open a transaction for: the consumer knows the effect committed (its guard would skip).
    if (consumer.handledAlready?.(event as never)) return;
    await inTransaction(db, context.signal, async (tx, afterCommit) => {
      // A concurrent duplicate blocks on this key until the first commits, then finds it and skips.
      const claimed = await tx
        .insert(handledEvents)
        .values({ consumer: consumer.name, eventId: event.id })
        .onConflictDoNothing()
        .returning({ eventId: handledEvents.eventId });
      if (claimed.length === 0) return;
      await consumer.handle(event as never, { ...context, tx, afterCommit });
    });
    return;
  }
  // Ordered: handle, one transaction each, every event of the aggregate this consumer has not handled
  // yet up to this one. Whichever delivery runs first does the catching up; the others find the position
  // past them. Commit order per aggregate equals `seq` order (see the writer), so nothing earlier can
  // still appear once this event is visible.
  for (;;) {
    const caughtUp = await inTransaction(db, context.signal, async (tx, afterCommit) => {
      const key = and(
        eq(consumerPositions.consumer, consumer.name),
        eq(consumerPositions.aggregate, event.aggregate),
      );
      await tx
        .insert(consumerPositions)
        .values({ consumer: consumer.name, aggregate: event.aggregate, seq: 0 })
        .onConflictDoNothing();
      const [position] = await tx
        .select({ seq: consumerPositions.seq })
        .from(consumerPositions)
        .where(key)
        .for('update');
      const handledUpTo = position?.seq ?? 0;
      if (handledUpTo >= event.seq) return true;
      const [earliest] = await tx
        .select()
        .from(outbox)
        .where(
          and(
            eq(outbox.aggregate, event.aggregate),
            gt(outbox.seq, handledUpTo),
            lte(outbox.seq, event.seq),
            inArray(outbox.name, [...consumer.events]),
          ),
        )
        .orderBy(asc(outbox.seq))
        .limit(1);
      // The job carries its own event, so a pruned row does not stop it; an earlier row comes from the table.
      const next =
        earliest && earliest.seq < event.seq
          ? decodeStored(registry.schemas, {
              id: earliest.id,
              name: earliest.name,
              aggregate: earliest.aggregate,
              seq: earliest.seq,
              payload: earliest.payload,
              createdAt: earliest.createdAt.toISOString(),
            })
          : event;
      await consumer.handle(next as never, { ...context, tx, afterCommit });
      await tx.update(consumerPositions).set({ seq: next.seq, updatedAt: sql`now()` }).where(key);
      return next.seq >= event.seq;
    });
    if (caughtUp) return;
  }
}

/**
 * A transaction that rolls back when the attempt is aborted (time limit, shutdown) even if the handler
 * ignores its signal, so a stuck handler cannot keep PGlite's single connection locked forever. The
 * callbacks the work registers with `afterCommit` run once it has committed.
 */
async function inTransaction<T>(
  db: Db,
  signal: AbortSignal,
  work: (tx: ConsumerTx, afterCommit: (callback: () => void) => void) => Promise<T>,
): Promise<T> {
  const committed: (() => void)[] = [];
  const result = await db.transaction((tx) =>
    untilAborted(
      work(tx, (callback) => committed.push(callback)),
      signal,
    ),
  );
  for (const callback of committed) callback();
  return result;
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(toError(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(toError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Validates a stored event against today's schema; one that no longer fits never will (no retry). */
function decodeStored<M extends EventMap>(schemas: M, stored: ConsumerJob): AnyEvent<M> {
  const schema = Object.hasOwn(schemas, stored.name) ? schemas[stored.name] : undefined;
  if (!schema) throw new NonRetryableError(`Unknown event "${stored.name}" in the outbox`);
  const parsed = schema.safeParse(stored.payload);
  if (!parsed.success) {
    throw new NonRetryableError(`Invalid "${stored.name}" payload: ${z.prettifyError(parsed.error)}`);
  }
  return { ...stored, name: stored.name, payload: parsed.data } as AnyEvent<M>;
}
