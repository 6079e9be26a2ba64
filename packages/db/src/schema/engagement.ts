/**
 * Tables of the engagement domain (follows, likes, comments), in Postgres schema `engagement`.
 *
 * Likes and comments point at their target by `(target_type, target_id)` without a foreign key, so that
 * videos (a later domain) become targets by adding an enum value, never by a migration that rewrites rows.
 */
import { sql } from 'drizzle-orm';
import { type AnyPgColumn, index, pgSchema, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { channels } from './channels.ts';
import { users } from './users.ts';

export const engagementSchema = pgSchema('engagement');

export const engagementTargetType = engagementSchema.enum('target_type', ['live_session', 'video']);

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
    // A channel's followers by id: the go-live fan-out's keyset chunks (migration 0025).
    index('follows_channel_follower_idx').on(t.channelId, t.followerId),
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

export type FollowRow = typeof follows.$inferSelect;
export type CommentRow = typeof comments.$inferSelect;
export type EngagementTargetType = (typeof engagementTargetType.enumValues)[number];
