/** Tables of the chat domain (messages, room rules, moderators, bans and the moderation log), in Postgres schema `chat`. */
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { channels, liveSessions } from './channels.ts';
import { users } from './users.ts';

export const chatSchema = pgSchema('chat');

export const moderationActionKind = chatSchema.enum('moderation_action', [
  'delete_message',
  'timeout',
  'ban',
  'unban',
  'add_moderator',
  'remove_moderator',
  'update_chat_settings',
]);

/** Chat lines, kept so that the history survives restarts; deleted lines stay for the moderation log. */
export const chatMessages = chatSchema.table(
  'chat_messages',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    // The broadcast it was sent during, when the channel was live.
    sessionId: uuid('session_id').references(() => liveSessions.id, { onDelete: 'set null' }),
    authorId: uuid('author_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    body: text('body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    deletedBy: uuid('deleted_by').references(() => users.id, { onDelete: 'set null' }),
  },
  (t) => [index('chat_messages_channel_created_idx').on(t.channelId, t.createdAt, t.id)],
);

/** Per-channel chat rules; a channel without a row has the defaults (no slow mode, everyone may post). */
export const chatSettings = chatSchema.table(
  'chat_settings',
  {
    channelId: uuid('channel_id')
      .primaryKey()
      .references(() => channels.id, { onDelete: 'cascade' }),
    slowModeSeconds: integer('slow_mode_seconds').notNull().default(0),
    followersOnly: boolean('followers_only').notNull().default(false),
    subscribersOnly: boolean('subscribers_only').notNull().default(false),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('chat_settings_slow_mode_range', sql`${t.slowModeSeconds} between 0 and 3600`)],
);

export const channelModerators = chatSchema.table(
  'channel_moderators',
  {
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.userId] })],
);

/** A ban (`expires_at` null) or a time-out (`expires_at` set) of a user in one channel's chat. */
export const chatRestrictions = chatSchema.table(
  'chat_restrictions',
  {
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    reason: text('reason'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.userId] })],
);

/** Every moderation action, for the channel owner's log. */
export const moderationLog = chatSchema.table(
  'moderation_log',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    action: moderationActionKind('action').notNull(),
    targetUserId: uuid('target_user_id').references(() => users.id, { onDelete: 'set null' }),
    messageId: uuid('message_id').references(() => chatMessages.id, { onDelete: 'set null' }),
    durationSeconds: integer('duration_seconds'),
    reason: text('reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('moderation_log_channel_created_idx').on(t.channelId, t.createdAt, t.id)],
);

export type ChatMessageRow = typeof chatMessages.$inferSelect;
export type ChatSettingsRow = typeof chatSettings.$inferSelect;
export type ChatRestrictionRow = typeof chatRestrictions.$inferSelect;
export type ModerationLogRow = typeof moderationLog.$inferSelect;
export type ModerationActionKind = (typeof moderationActionKind.enumValues)[number];
