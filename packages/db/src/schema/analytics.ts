/**
 * Tables of the analytics domain, in Postgres schema `analytics` (docs/analytics.md). `events` is
 * partitioned by day in its migration (drizzle cannot declare partitions); the analytics store writes
 * and reads these tables with SQL of its own, the definitions keep them typed and known to the
 * cross-domain rule.
 */
import {
  bigint,
  boolean,
  date,
  index,
  integer,
  pgSchema,
  primaryKey,
  real,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

export const analyticsSchema = pgSchema('analytics');

const viewState = {
  targetType: text('target_type').notNull(),
  targetId: uuid('target_id').notNull(),
  channelId: uuid('channel_id'),
  viewerId: text('viewer_id').notNull(),
  referrer: text('referrer').notNull(),
  device: text('device').notNull(),
  watchedMs: bigint('watched_ms', { mode: 'number' }).notNull(),
  positionPct: real('position_pct').notNull(),
  rendition: text('rendition').notNull(),
  startupMs: integer('startup_ms'),
  rebufferCount: integer('rebuffer_count').notNull(),
  rebufferMs: bigint('rebuffer_ms', { mode: 'number' }).notNull(),
  renditionSwitches: integer('rendition_switches').notNull(),
  failed: boolean('failed').notNull(),
  errorCode: text('error_code').notNull(),
};

/** Raw beacons, partitioned by day of `received_at`. */
export const analyticsEvents = analyticsSchema.table('events', {
  viewId: uuid('view_id').notNull(),
  seq: integer('seq').notNull(),
  event: text('event').notNull(),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
  viewStartedAt: timestamp('view_started_at', { withTimezone: true }).notNull(),
  ...viewState,
});

/** Each view's latest state: the rollup of `events` the reports read. */
export const analyticsViews = analyticsSchema.table(
  'views',
  {
    viewId: uuid('view_id').primaryKey(),
    seq: integer('seq').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    lastAt: timestamp('last_at', { withTimezone: true }).notNull(),
    ...viewState,
    exitedBeforeStart: boolean('exited_before_start').notNull(),
  },
  (t) => [
    index('views_target_started_idx').on(t.targetId, t.startedAt),
    index('views_channel_started_idx').on(t.channelId, t.startedAt),
    index('views_started_idx').on(t.startedAt),
    index('views_watched_idx').on(t.watchedMs),
  ],
);

/** Counted or not, for each view that watched long enough to be considered. */
export const analyticsViewDecisions = analyticsSchema.table(
  'view_decisions',
  {
    viewId: uuid('view_id').primaryKey(),
    counted: boolean('counted').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    targetType: text('target_type').notNull(),
    targetId: uuid('target_id').notNull(),
    channelId: uuid('channel_id'),
    viewerId: text('viewer_id').notNull(),
  },
  (t) => [
    index('view_decisions_viewer_idx').on(t.viewerId, t.targetId, t.startedAt),
    index('view_decisions_target_idx').on(t.targetId, t.startedAt),
  ],
);

/** The salt of anonymous viewer ids for one UTC day. */
export const analyticsSalts = analyticsSchema.table('salts', {
  day: date('day', { mode: 'string' }).primaryKey(),
  salt: text('salt').notNull(),
});

/** How far each roll-up job has folded the raw events. */
export const analyticsRollupState = analyticsSchema.table('rollup_state', {
  name: text('name').primaryKey(),
  watermark: timestamp('watermark', { withTimezone: true }).notNull(),
});

/** Live presence of a broadcast every 10 s, sampled by the gateways (one row per tick, the higher count). */
export const analyticsPresenceSamples = analyticsSchema.table(
  'presence_samples',
  {
    liveSessionId: uuid('live_session_id').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    viewers: integer('viewers').notNull(),
  },
  (t) => [primaryKey({ columns: [t.liveSessionId, t.at] })],
);
