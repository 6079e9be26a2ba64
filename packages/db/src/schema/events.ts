/**
 * Durable domain events, in Postgres schema `events`: the transactional outbox a state change writes its
 * event to, and what consumers record about the events they handled. No domain owns these tables; the
 * outbox writer and relay in `@streamhub/infra/outbox` are their only users.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

export const eventsSchema = pgSchema('events');

/**
 * One row per event, inserted in the producer's transaction. `seq` orders the rows; within one
 * aggregate it is also commit order, because the writer serialises appends per aggregate (an advisory
 * transaction lock taken before the row gets its `seq`). The relay sets `published_at` once every
 * subscribed consumer's job is enqueued; published rows are pruned after the retention period.
 */
export const outbox = eventsSchema.table(
  'outbox',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    // A random UUID drawn by the writer; not indexed: nothing looks an event up by id, and every index
    // costs the producer's insert and the relay's update once more per event.
    id: uuid('id').notNull(),
    name: text('name').notNull(),
    payload: jsonb('payload').notNull(),
    /** What the event is about (`user:<id>`, `channel:<id>`): the unit of ordering. */
    aggregate: text('aggregate').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    publishedAt: timestamp('published_at', { withTimezone: true }),
    /** How many relay passes tried to enqueue this event's jobs; > 1 means an enqueue failed before. */
    attempts: integer('attempts').notNull().default(0),
  },
  (t) => [
    // The relay's scan and the backlog metric touch only unpublished rows: keep that index small.
    index('outbox_unpublished_idx').on(t.seq).where(sql`${t.publishedAt} is null`),
    index('outbox_published_at_idx').on(t.publishedAt).where(sql`${t.publishedAt} is not null`),
    // An ordered consumer catches up on one aggregate's earlier events.
    index('outbox_aggregate_seq_idx').on(t.aggregate, t.seq),
  ],
);

/** Events a consumer whose repeat is not harmless has handled, written in the same transaction as its effect. */
export const handledEvents = eventsSchema.table(
  'handled',
  {
    consumer: text('consumer').notNull(),
    eventId: uuid('event_id').notNull(),
    handledAt: timestamp('handled_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.consumer, t.eventId] }), index('handled_handled_at_idx').on(t.handledAt)],
);

/** How far an ordered consumer got in each aggregate: the `seq` of the last event it handled there. */
export const consumerPositions = eventsSchema.table(
  'consumer_positions',
  {
    consumer: text('consumer').notNull(),
    aggregate: text('aggregate').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.consumer, t.aggregate] }),
    index('consumer_positions_updated_at_idx').on(t.updatedAt),
  ],
);

export type OutboxRow = typeof outbox.$inferSelect;
