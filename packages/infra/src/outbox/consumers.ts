/**
 * Durable consumers: what each one subscribes to, how it keeps its effect idempotent, and the job
 * definitions generated from them, so that the job queue carries one job name per consumer without
 * anyone listing them by hand.
 */
import type { Db } from '@streamhub/db/client';
import { z } from 'zod';
import { assertKnownEvent, type EventMap, type EventName } from '../event-bus/port.ts';
import type { JobContext, JobDefinition } from '../jobs/port.ts';

/** One stored event as a consumer receives it. */
export interface OutboxEvent<M extends EventMap, K extends EventName<M> = EventName<M>> {
  /** The event's id (a UUID): the same on every delivery, so consumers can de-duplicate. */
  readonly id: string;
  readonly name: K;
  readonly payload: z.output<M[K]>;
  /** What the event is about (`user:<id>`); events of one aggregate can be handled in order. */
  readonly aggregate: string;
  /** Position in the outbox; increasing within an aggregate in commit order. */
  readonly seq: number;
  /** ISO-8601 time the producer's transaction wrote it. */
  readonly createdAt: string;
}

/** One of `K`'s events: a union a consumer can narrow with `switch (event.name)`. */
export type OutboxEventOf<M extends EventMap, K extends EventName<M>> =
  K extends EventName<M> ? OutboxEvent<M, K> : never;

/** A consumer's database transaction; its effect commits together with the record of what it handled. */
export type ConsumerTx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface ConsumerRetryPolicy {
  /** Total tries of one event (default 10). */
  attempts?: number;
  /** First retry delay, doubled each time (default 500 ms). */
  backoffMs?: number;
  /** An attempt running longer fails (default 60 s). */
  timeoutMs?: number;
}

interface ConsumerBase<M extends EventMap, K extends EventName<M>> extends ConsumerRetryPolicy {
  /** Unique, `[a-z0-9][a-z0-9.-]*`: part of the job name (`outbox.<name>`) and of every job id. */
  readonly name: string;
  readonly events: readonly K[];
}

/**
 * `idempotent`: a repeat is harmless (deleting what is already gone), so nothing is recorded; the handler
 * runs at least once per event.
 */
export interface IdempotentConsumer<M extends EventMap, K extends EventName<M>> extends ConsumerBase<M, K> {
  readonly mode: 'idempotent';
  handle(event: OutboxEventOf<M, K>, context: JobContext): Promise<void>;
}

/**
 * `once`: the handler runs in a transaction that also records `(consumer, event id)` in `events.handled`;
 * a repeated delivery finds the record and does nothing. `ordered`: the same, and the events of one
 * aggregate are handled in their commit order (a delivery first handles the aggregate's earlier events
 * this consumer has not handled yet). Database work must go through `context.tx`: on PGlite a query
 * outside the transaction waits for it to end, which it never does.
 */
export interface TransactionalConsumer<M extends EventMap, K extends EventName<M>>
  extends ConsumerBase<M, K> {
  readonly mode: 'once' | 'ordered';
  handle(event: OutboxEventOf<M, K>, context: JobContext & ConsumerTransaction): Promise<void>;
  /**
   * `once` only, asked before the runner opens a transaction: true when this process knows the event's
   * effect has committed already (another delivery's transaction handled it, as a batching consumer's
   * does). The runner then opens no transaction and records nothing in `events.handled`, so answer true
   * only where the handler's own guard (a processed mark committed with the effect) would skip a later
   * delivery anyway. Must be cheap and synchronous: it runs for every job.
   */
  handledAlready?(event: OutboxEventOf<M, K>): boolean;
}

/** What a transactional consumer's handler gets besides the job's context. */
export interface ConsumerTransaction {
  tx: ConsumerTx;
  /**
   * Runs `callback` once `tx` has committed (never if it rolls back), e.g. to remember what it handled.
   * The callback must not throw: the job's effect is committed whatever it does.
   */
  afterCommit(callback: () => void): void;
}

export type Consumer<M extends EventMap, K extends EventName<M> = EventName<M>> =
  | IdempotentConsumer<M, K>
  | TransactionalConsumer<M, K>;

/** Infers `K` from the `events` list, so `handle` sees exactly those events' payloads. */
export function defineConsumer<M extends EventMap, const K extends EventName<M>>(
  _schemas: M,
  consumer: Consumer<M, K>,
): Consumer<M, K> {
  return consumer;
}

const CONSUMER_NAME = /^[a-z0-9][a-z0-9.-]{0,62}$/;
const JOB_PREFIX = 'outbox.';

/** The job name that carries `consumer`'s events. */
export type ConsumerJobName = `${typeof JOB_PREFIX}${string}`;

/** What travels in a consumer job: the stored event, so that a job survives the row's pruning. */
export const ConsumerJobSchema = z.object({
  id: z.uuid(),
  name: z.string().min(1),
  aggregate: z.string().min(1),
  seq: z.number().int().positive(),
  payload: z.unknown(),
  createdAt: z.string().min(1),
});

export type ConsumerJob = z.output<typeof ConsumerJobSchema>;

export type ConsumerJobDefinitions = Record<ConsumerJobName, JobDefinition<typeof ConsumerJobSchema>>;

/** The validated set of consumers of one process image, indexed by event. */
export interface ConsumerRegistry<M extends EventMap> {
  readonly schemas: M;
  readonly consumers: readonly Consumer<M>[];
  /** The consumers subscribed to `name` (none for an event nobody consumes durably). */
  subscribersOf(name: string): readonly Consumer<M>[];
  /** One job definition per consumer, for the job queue. */
  readonly jobDefinitions: ConsumerJobDefinitions;
}

/**
 * Checks every consumer once (unique valid names, known events, a handler, a mode) so that a mistake
 * stops start-up instead of surfacing on the first event.
 */
export function createConsumerRegistry<M extends EventMap>(
  schemas: M,
  consumers: readonly Consumer<M>[],
): ConsumerRegistry<M> {
  const byEvent = new Map<string, Consumer<M>[]>();
  const jobDefinitions: ConsumerJobDefinitions = {};
  for (const consumer of consumers) {
    if (!CONSUMER_NAME.test(consumer.name)) {
      throw new Error(`Invalid consumer name "${consumer.name}" (lower-case letters, digits, "." and "-")`);
    }
    const jobName = consumerJobName(consumer.name);
    if (Object.hasOwn(jobDefinitions, jobName)) throw new Error(`Two consumers are named "${consumer.name}"`);
    if (typeof consumer.handle !== 'function') throw new Error(`Consumer "${consumer.name}" has no handler`);
    if (!['idempotent', 'once', 'ordered'].includes(consumer.mode)) {
      throw new Error(`Consumer "${consumer.name}" has an unknown mode "${String(consumer.mode)}"`);
    }
    if (consumer.events.length === 0) throw new Error(`Consumer "${consumer.name}" subscribes to no event`);
    for (const name of new Set(consumer.events)) {
      assertKnownEvent(schemas, name);
      let list = byEvent.get(name);
      if (!list) {
        list = [];
        byEvent.set(name, list);
      }
      list.push(consumer);
    }
    jobDefinitions[jobName] = {
      schema: ConsumerJobSchema,
      attempts: consumer.attempts ?? 10,
      backoffMs: consumer.backoffMs ?? 500,
      timeoutMs: consumer.timeoutMs ?? 60_000,
    };
  }
  return {
    schemas,
    consumers,
    subscribersOf: (name) => byEvent.get(name) ?? [],
    jobDefinitions,
  };
}

export function consumerJobName(consumer: string): ConsumerJobName {
  return `${JOB_PREFIX}${consumer}`;
}

/**
 * The deterministic job id of `eventId` for `consumer`: `<event id>__<consumer>`. The design says
 * `<event id>:<consumer>`, but BullMQ reserves `:` in job ids; a UUID has no `_`, so the id still
 * splits unambiguously at the first `__`.
 */
export function consumerJobId(eventId: string, consumer: string): string {
  return `${eventId}__${consumer}`;
}
