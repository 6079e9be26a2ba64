/**
 * Tables of the videos domain (videos on demand and their uploads), in Postgres schema `videos`.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { channels, liveSessions } from './channels.ts';
import { users } from './users.ts';

export const videosSchema = pgSchema('videos');

export const videoVisibility = videosSchema.enum('video_visibility', [
  'public',
  'unlisted',
  'private',
  // Played by the channel's subscribers (docs/payments.md); added by migration 0016.
  'subscribers',
]);
export const videoStatus = videosSchema.enum('video_status', [
  'uploading',
  'uploaded',
  'processing',
  'ready',
  'failed',
]);
export const videoSource = videosSchema.enum('video_source', ['upload', 'recording']);

/** One HLS rendition of a processed video. */
export interface VideoRendition {
  /** Playlist file name inside the video's directory, e.g. `720p.m3u8`. */
  playlist: string;
  width: number;
  height: number;
  /** Peak bits per second, as written to the master playlist. */
  bandwidth: number;
  codecs: string;
}

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

export const videos = videosSchema.table(
  'videos',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // The owner's channel when they have one; videos of viewers without a channel are allowed.
    channelId: uuid('channel_id').references(() => channels.id, { onDelete: 'set null' }),
    source: videoSource('source').notNull().default('upload'),
    // The recorded broadcast this video was made from.
    liveSessionId: uuid('live_session_id').references(() => liveSessions.id, { onDelete: 'set null' }),
    /** The recorded broadcast's public playback id: its files, the recording's source, live under it. */
    recordingPlaybackId: text('recording_playback_id'),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    category: text('category').notNull().default('other'),
    visibility: videoVisibility('visibility').notNull().default('public'),
    status: videoStatus('status').notNull().default('uploading'),
    /** 0–100 while processing. */
    progress: integer('progress').notNull().default(0),
    failureReason: text('failure_reason'),
    /** Bytes of the uploaded source file. */
    sourceBytes: bigint('source_bytes', { mode: 'number' }),
    durationMs: integer('duration_ms'),
    width: integer('width'),
    height: integer('height'),
    renditions: jsonb('renditions').$type<VideoRendition[]>().notNull().default([]),
    viewCount: bigint('view_count', { mode: 'number' }).notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => sql`now()`),
    readyAt: timestamp('ready_at', { withTimezone: true }),
    // Weighted: a match in the title ranks above one in the tags, above one in the description. Tags are
    // stored lower-case, because array_to_tsvector (unlike to_tsvector, it is immutable on arrays) keeps case.
    search: tsvector('search').generatedAlwaysAs(
      sql`setweight(to_tsvector('simple', coalesce(title, '')), 'A') || setweight(array_to_tsvector(tags), 'B') || setweight(to_tsvector('simple', coalesce(description, '')), 'C')`,
    ),
  },
  (t) => [
    check('videos_progress_range', sql`${t.progress} between 0 and 100`),
    index('videos_owner_created_idx').on(t.ownerId, t.createdAt, t.id),
    index('videos_channel_created_idx').on(t.channelId, t.createdAt, t.id),
    // The public library: newest and most viewed, in keyset order.
    index('videos_library_newest_idx').on(t.visibility, t.status, t.readyAt, t.id),
    index('videos_library_views_idx').on(t.visibility, t.status, t.viewCount, t.id),
    index('videos_search_idx').using('gin', t.search),
    index('videos_tags_idx').using('gin', t.tags),
    // A recorded broadcast becomes at most one video, even when its end is reported twice.
    uniqueIndex('videos_live_session_unique').on(t.liveSessionId),
  ],
);

export type VideoRow = typeof videos.$inferSelect;
export type VideoStatus = (typeof videoStatus.enumValues)[number];
export type VideoVisibility = (typeof videoVisibility.enumValues)[number];

/**
 * A tus upload in progress: one per video in status `uploading`, removed when the upload completes, is
 * terminated or expires. Gateway replicas share this row, so it is the authority on the offset and on
 * which request may write: the file on disk may hold more bytes than `offset` (written by a request
 * that died before committing them), and those are simply written over.
 */
export const uploads = videosSchema.table(
  'uploads',
  {
    videoId: uuid('video_id')
      .primaryKey()
      .references(() => videos.id, { onDelete: 'cascade' }),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Upload-Length: the whole file's size, declared at creation (counts against the quota at once). */
    length: bigint('length', { mode: 'number' }).notNull(),
    /** The client's file name (Upload-Metadata `filename`), for messages only; never a path. */
    filename: text('filename'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** An upload not finished by then is abandoned: the sweeper removes it with its video and file. */
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /** Bytes received, synced to disk and committed (tus Upload-Offset); moved only compare-and-set. */
    offset: bigint('upload_offset', { mode: 'number' }).notNull().default(0),
    /** The PATCH allowed to write, by a token of its own; null when none is. */
    patchOwner: uuid('patch_owner'),
    /** The writer's claim lapses then unless renewed, so a crashed replica cannot hold the upload. */
    patchLeaseUntil: timestamp('patch_lease_until', { withTimezone: true }),
  },
  (t) => [
    check('uploads_length_positive', sql`${t.length} > 0`),
    check('uploads_offset_range', sql`${t.offset} between 0 and ${t.length}`),
    index('uploads_owner_idx').on(t.ownerId),
    index('uploads_expires_idx').on(t.expiresAt),
  ],
);

export type UploadRow = typeof uploads.$inferSelect;
