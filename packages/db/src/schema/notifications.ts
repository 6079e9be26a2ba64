/**
 * Tables of the notifications domain, in Postgres schema `notifications` (docs/notifications.md): one
 * row per recipient of each notification (fan-out on write), each user's delivery preferences per type,
 * the channels a user muted, and what each email and push delivery became.
 *
 * `notifications.notifications` is unique on (event, recipient, type): whatever the retries and replicas,
 * one event gives at most one notification per user, and only the insert that wins delivers it.
 */
import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { channels } from './channels.ts';
import { users } from './users.ts';

export const notificationsSchema = pgSchema('notifications');

export const notifications = notificationsSchema.table(
  'notifications',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    /**
     * No foreign key (migration 0028): its per-row check was a quarter of the go-live fan-out's cost on
     * PGlite. The fan-out takes recipients from rows that reference the user, and a deleted account's
     * notifications go with `user.deleted` (the `notifications.account-cleanup` consumer).
     */
    userId: uuid('user_id').notNull(),
    type: text('type').notNull(),
    /** The durable event it came from. */
    eventId: uuid('event_id').notNull(),
    channelId: uuid('channel_id'),
    data: jsonb('data').$type<Record<string, string | number | boolean | null>>().notNull(),
    url: text('url').notNull(),
    /** Shown in the feed; false when the user wants this type by email or push only. */
    inApp: boolean('in_app').notNull(),
    email: boolean('email').notNull(),
    push: boolean('push').notNull(),
    readAt: timestamp('read_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('notifications_event_user_type_key').on(t.eventId, t.userId, t.type),
    // The feed, newest first, in keyset order.
    index('notifications_user_created_idx').on(t.userId, t.createdAt, t.id),
    // The unread count.
    index('notifications_user_unread_idx').on(t.userId).where(sql`${t.readAt} is null and ${t.inApp}`),
  ],
);

/** A user's choice for one type; a type without a row uses its defaults (NOTIFICATION_KINDS). */
export const preferences = notificationsSchema.table(
  'preferences',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    inApp: boolean('in_app').notNull(),
    email: boolean('email').notNull(),
    push: boolean('push').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.type] })],
);

/** Per-user settings that are not per type: the email digest (`off`, `hourly`, `daily`). */
export const settings = notificationsSchema.table('settings', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  emailDigest: text('email_digest').notNull().default('off'),
  /** When the last digest went out (or the sweep that found nothing to send claimed the window). */
  digestSentAt: timestamp('digest_sent_at', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A followed channel whose notifications the user does not want (they still follow it). */
export const channelMutes = notificationsSchema.table(
  'channel_mutes',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.userId] })],
);

/**
 * What became of a notification's email or push (`via`): `sent`, `failed` (given up: a permanent refusal
 * or the last retry), `skipped` (nowhere to send it). Deleted with its notification.
 */
export const deliveries = notificationsSchema.table(
  'deliveries',
  {
    notificationId: uuid('notification_id')
      .notNull()
      .references(() => notifications.id, { onDelete: 'cascade' }),
    via: text('via').notNull(),
    status: text('status').notNull(),
    detail: text('detail'),
    attempts: integer('attempts').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.notificationId, t.via] })],
);

/**
 * Where a user's push notifications go: a browser's Web Push subscription (`webpush`: endpoint and its
 * keys) or a mobile app's FCM registration token (`fcm`: the token in `endpoint`).
 */
export const pushSubscriptions = notificationsSchema.table(
  'push_subscriptions',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    endpoint: text('endpoint').notNull(),
    p256dh: text('p256dh'),
    auth: text('auth'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('push_subscriptions_endpoint_key').on(t.endpoint),
    index('push_subscriptions_user_idx').on(t.userId),
  ],
);

export type PushSubscriptionRow = typeof pushSubscriptions.$inferSelect;
export type NotificationRow = typeof notifications.$inferSelect;
export type PreferenceRow = typeof preferences.$inferSelect;
