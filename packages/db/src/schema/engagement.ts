/**
 * Tables of the engagement domain (follows, likes, comments, chat and its moderation), in Postgres
 * schema `engagement`.
 *
 * Likes and comments point at their target by `(target_type, target_id)` without a foreign key, so that
 * videos (a later domain) become targets by adding an enum value, never by a migration that rewrites rows.
 */
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
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
import { users } from './auth.ts';
import { channels, liveSessions } from './live.ts';

export const engagementSchema = pgSchema('engagement');

export const engagementTargetType = engagementSchema.enum('target_type', ['live_session', 'video']);

export const moderationActionKind = engagementSchema.enum('moderation_action', [
  'delete_message',
  'timeout',
  'ban',
  'unban',
  'add_moderator',
  'remove_moderator',
  'update_chat_settings',
]);

export const follows = engagementSchema.table(
  'follows',
  {
    followerId: uuid('follower_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.followerId, t.channelId] }),
    // A channel's followers, newest first, and its follower count.
    index('follows_channel_created_idx').on(t.channelId, t.createdAt),
  ],
);

export const likes = engagementSchema.table(
  'likes',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    targetType: engagementTargetType('target_type').notNull(),
    targetId: uuid('target_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.targetType, t.targetId, t.userId] }),
    index('likes_user_idx').on(t.userId, t.createdAt),
  ],
);

export const comments = engagementSchema.table(
  'comments',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    targetType: engagementTargetType('target_type').notNull(),
    targetId: uuid('target_id').notNull(),
    authorId: uuid('author_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // One level of replies: a reply's parent is always a top-level comment (enforced by the service).
    parentId: uuid('parent_id').references((): AnyPgColumn => comments.id, { onDelete: 'cascade' }),
    body: text('body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    editedAt: timestamp('edited_at', { withTimezone: true }),
  },
  (t) => [
    // Top-level comments of a target and replies of a comment, both in keyset order.
    index('comments_target_idx').on(t.targetType, t.targetId, t.createdAt, t.id),
    index('comments_parent_idx').on(t.parentId, t.createdAt, t.id),
  ],
);

/** Chat lines, kept so that the history survives restarts; deleted lines stay for the moderation log. */
export const chatMessages = engagementSchema.table(
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
export const chatSettings = engagementSchema.table(
  'chat_settings',
  {
    channelId: uuid('channel_id')
      .primaryKey()
      .references(() => channels.id, { onDelete: 'cascade' }),
    slowModeSeconds: integer('slow_mode_seconds').notNull().default(0),
    followersOnly: boolean('followers_only').notNull().default(false),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('chat_settings_slow_mode_range', sql`${t.slowModeSeconds} between 0 and 3600`)],
);

export const channelModerators = engagementSchema.table(
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
export const chatRestrictions = engagementSchema.table(
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
export const moderationLog = engagementSchema.table(
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

export type FollowRow = typeof follows.$inferSelect;
export type CommentRow = typeof comments.$inferSelect;
export type ChatMessageRow = typeof chatMessages.$inferSelect;
export type ChatSettingsRow = typeof chatSettings.$inferSelect;
export type ChatRestrictionRow = typeof chatRestrictions.$inferSelect;
export type ModerationLogRow = typeof moderationLog.$inferSelect;
export type EngagementTargetType = (typeof engagementTargetType.enumValues)[number];
export type ModerationActionKind = (typeof moderationActionKind.enumValues)[number];
