/**
 * Tables of the webhooks domain, in Postgres schema `webhooks` (docs/webhooks.md): the endpoints users
 * and admins register, one delivery per endpoint and event, and every attempt of a delivery (the log).
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  pgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { users } from './users.ts';

export const webhooksSchema = pgSchema('webhooks');

/** `user`: the owner's own events; `instance`: every event (admins only). */
export const webhookScope = webhooksSchema.enum('scope', ['user', 'instance']);

/** `failed`: given up, after the retry window or because the endpoint was disabled. */
export const webhookDeliveryStatus = webhooksSchema.enum('delivery_status', [
  'pending',
  'succeeded',
  'failed',
]);

/**
 * A receiver of signed deliveries. The secret is kept in clear on purpose: an HMAC needs the key itself,
 * so it cannot be stored hashed as a password is. `previous_secret` signs too until it expires, so a
 * receiver can switch secrets without a gap. `failing_since`: the first failed attempt after the last
 * success, which decides when the endpoint is disabled. `drain_seq`: the drain generation, bumped by each
 * drain as it starts; a delivery queues the drain job of the generation it reads (docs/webhooks.md).
 */
export const webhookEndpoints = webhooksSchema.table(
  'endpoints',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    scope: webhookScope('scope').notNull().default('user'),
    url: text('url').notNull(),
    /** Empty: every event type. */
    eventTypes: text('event_types').array().notNull().default(sql`'{}'::text[]`),
    description: text('description').notNull().default(''),
    enabled: boolean('enabled').notNull().default(true),
    disabledReason: text('disabled_reason'),
    secret: text('secret').notNull(),
    previousSecret: text('previous_secret'),
    previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true }),
    failingSince: timestamp('failing_since', { withTimezone: true }),
    drainSeq: bigint('drain_seq', { mode: 'number' }).notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('endpoints_owner_idx').on(t.ownerId, t.createdAt),
    index('endpoints_instance_idx').on(t.scope).where(sql`${t.scope} = 'instance'`),
  ],
);

/**
 * One event for one endpoint: unique per (endpoint, event), so however many replicas handle an event it
 * is delivered once per endpoint. `body` is the exact JSON sent (and signed) on every attempt.
 */
export const webhookDeliveries = webhooksSchema.table(
  'deliveries',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id').notNull(),
    eventType: text('event_type').notNull(),
    body: text('body').notNull(),
    status: webhookDeliveryStatus('status').notNull().default('pending'),
    /** Attempts made so far; the next one is `attempts + 1`. */
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('deliveries_endpoint_event_idx').on(t.endpointId, t.eventId),
    index('deliveries_endpoint_created_idx').on(t.endpointId, t.createdAt),
    // Pending deliveries by when they are due (a first attempt not yet taken: at once): what a drain
    // takes (docs/webhooks.md).
    index('deliveries_due_idx')
      .on(t.endpointId, sql`(coalesce(${t.nextAttemptAt}, '-infinity'::timestamptz))`, t.createdAt)
      .where(sql`${t.status} = 'pending'`),
    index('deliveries_event_idx').on(t.eventId),
  ],
);

/** One HTTP attempt of a delivery: the delivery log. */
export const webhookAttempts = webhooksSchema.table(
  'attempts',
  {
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    succeeded: boolean('succeeded').notNull(),
    responseStatus: integer('response_status'),
    error: text('error'),
    latencyMs: integer('latency_ms').notNull(),
    attemptedAt: timestamp('attempted_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('attempts_delivery_attempt_idx').on(t.deliveryId, t.attempt)],
);

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type WebhookAttemptRow = typeof webhookAttempts.$inferSelect;
