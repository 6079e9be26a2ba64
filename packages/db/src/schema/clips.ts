/**
 * Tables of the clips domain, in Postgres schema `clips` (docs/clips.md): which videos are clips, of
 * which broadcast, made by whom; and whether a channel lets its viewers clip.
 */
import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgSchema, timestamp, uuid } from 'drizzle-orm/pg-core';
import { channels } from './channels.ts';
import { users } from './users.ts';
import { videos } from './videos.ts';

export const clipsSchema = pgSchema('clips');

/** One clip: its video belongs to the channel's owner; `maker_id` is who made it (credited on its page). */
export const clips = clipsSchema.table(
  'clips',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    videoId: uuid('video_id')
      .notNull()
      .references(() => videos.id, { onDelete: 'cascade' }),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    /** The broadcast it was cut from (no foreign key: the session may be gone while the clip stays). */
    liveSessionId: uuid('live_session_id'),
    /** The finished video it was cut from (null: the live broadcast); no foreign key, as above. */
    sourceVideoId: uuid('source_video_id'),
    /** Where in that video the clip starts, milliseconds (a keyframe at or before the asked point). */
    startMs: integer('start_ms'),
    makerId: uuid('maker_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    seconds: integer('seconds').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('clips_maker_created_idx').on(t.makerId, t.createdAt),
    index('clips_channel_created_idx').on(t.channelId, t.createdAt),
  ],
);

/** A channel's clip policy; no row: only the owner clips. */
export const clipChannelSettings = clipsSchema.table('channel_settings', {
  channelId: uuid('channel_id')
    .primaryKey()
    .references(() => channels.id, { onDelete: 'cascade' }),
  viewersMayClip: boolean('viewers_may_clip').notNull().default(false),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
