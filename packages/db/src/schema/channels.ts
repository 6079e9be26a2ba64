/** Tables of the channels domain (channels, stream keys, live sessions), in Postgres schema `channels`. */
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { users } from './users.ts';

export const channelsSchema = pgSchema('channels');

export const liveSessionStatus = channelsSchema.enum('live_session_status', ['live', 'ended']);

/** What the media node learned about the incoming stream; every field is optional, probes vary. */
export interface IngestInfo {
  videoCodec?: string;
  audioCodec?: string;
  width?: number;
  height?: number;
  fps?: number;
  /** Bits per second. */
  bitrate?: number;
  /** Seconds between the publisher's last two keyframes. */
  keyframeInterval?: number;
}

export const channels = channelsSchema.table(
  'channels',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    category: text('category').notNull(),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    language: text('language').notNull().default('en'),
    record: boolean('record').notNull().default(false),
    /** LL-HLS for this channel's broadcasts; null follows the instance (LIVE_LL_HLS), which may forbid it. */
    lowLatency: boolean('low_latency'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => sql`now()`),
  },
  (t) => [
    // One channel per streamer: the product has no multi-channel accounts.
    uniqueIndex('channels_owner_unique').on(t.ownerId),
    uniqueIndex('channels_slug_lower_unique').on(sql`lower(${t.slug})`),
  ],
);

/** RTMP publish keys; only the SHA-256 of the secret is kept, the prefix is for recognising it in lists. */
export const streamKeys = channelsSchema.table(
  'stream_keys',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    keyHash: text('key_hash').notNull(),
    prefix: text('prefix').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('stream_keys_hash_unique').on(t.keyHash),
    index('stream_keys_channel_idx').on(t.channelId, t.createdAt),
  ],
);

/** One broadcast: from an accepted publish to its end. `playback_id` is the only public handle. */
export const liveSessions = channelsSchema.table(
  'live_sessions',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    playbackId: text('playback_id').notNull(),
    status: liveSessionStatus('status').notNull().default('live'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    ingest: jsonb('ingest').$type<IngestInfo>(),
    /** The key the broadcast was accepted with: revoking or rotating it cuts the broadcast. */
    streamKeyId: uuid('stream_key_id').references(() => streamKeys.id, { onDelete: 'set null' }),
    /**
     * The media node that holds the broadcast (`<host>:<rtmp port>` or its own id): when that node
     * starts again after a crash it ends the sessions still marked live under its id.
     */
    nodeId: text('node_id'),
    peakViewers: integer('peak_viewers').notNull().default(0),
    recorded: boolean('recorded').notNull().default(false),
  },
  (t) => [
    uniqueIndex('live_sessions_playback_id_unique').on(t.playbackId),
    // At most one live session per channel, enforced by the database so that two racing publishes cannot both win.
    uniqueIndex('live_sessions_one_live_per_channel').on(t.channelId).where(sql`${t.status} = 'live'`),
    // The directory: live sessions in start order.
    index('live_sessions_status_started_idx').on(t.status, t.startedAt, t.id),
    // A channel's broadcasts, newest first (and the channel's sessions when its account is deleted).
    index('live_sessions_channel_started_idx').on(t.channelId, t.startedAt, t.id),
    check('live_sessions_ended_has_time', sql`(${t.status} = 'live') = (${t.endedAt} is null)`),
  ],
);

export type ChannelRow = typeof channels.$inferSelect;
export type StreamKeyRow = typeof streamKeys.$inferSelect;
export type LiveSessionRow = typeof liveSessions.$inferSelect;
export type LiveSessionStatus = (typeof liveSessionStatus.enumValues)[number];
