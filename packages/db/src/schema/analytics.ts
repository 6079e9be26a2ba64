/**
 * Tables of the analytics domain, in Postgres schema `analytics` (docs/analytics.md). `events` is
 * partitioned by day in its migration (drizzle cannot declare partitions); the analytics store writes
 * and reads these tables with SQL of its own, the definitions keep them typed and known to the
 * cross-domain rule.
 */
import {
  bigint,
  boolean,
  customType,
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

/** PostgreSQL `bytea` as bytes (drizzle-orm has no built-in column type for it). */
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
});

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

const rollupKey = {
  /** `video`, `live`, `channel` or `instance`. */
  scope: text('scope').notNull(),
  /** The video, live session or channel; the nil uuid for the instance. */
  scopeId: uuid('scope_id').notNull(),
  /** UTC day of the views' start. */
  day: date('day', { mode: 'string' }).notNull(),
};

/**
 * Daily rollup of `views` per scope, for settled days only (migration 0024, docs/analytics.md). Unique
 * viewers are mergeable: the exact set of viewer-id hashes up to 1,024, else a HyperLogLog.
 */
export const analyticsRollupDaily = analyticsSchema.table(
  'rollup_daily',
  {
    ...rollupKey,
    channelId: uuid('channel_id'),
    views: bigint('views', { mode: 'number' }).notNull(),
    counted: bigint('counted', { mode: 'number' }).notNull(),
    watchedMs: bigint('watched_ms', { mode: 'number' }).notNull(),
    rebufferCount: bigint('rebuffer_count', { mode: 'number' }).notNull(),
    rebufferMs: bigint('rebuffer_ms', { mode: 'number' }).notNull(),
    failedViews: bigint('failed_views', { mode: 'number' }).notNull(),
    exits: bigint('exits', { mode: 'number' }).notNull(),
    viewers: bigint('viewers', { mode: 'bigint' }).array(),
    viewerRegisters: bytea('viewer_registers'),
  },
  (t) => [
    primaryKey({ name: 'rollup_daily_pk', columns: [t.scope, t.scopeId, t.day] }),
    index('rollup_daily_channel_idx').on(t.channelId, t.scope, t.day),
  ],
);

/** Startup times of a scope's day as a histogram: exact percentiles over any set of days. */
export const analyticsRollupStartups = analyticsSchema.table(
  'rollup_startups',
  {
    ...rollupKey,
    startupMs: integer('startup_ms').notNull(),
    views: bigint('views', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ name: 'rollup_startups_pk', columns: [t.scope, t.scopeId, t.day, t.startupMs] })],
);

/** Views of a scope's day by referring host. */
export const analyticsRollupReferrers = analyticsSchema.table(
  'rollup_referrers',
  {
    ...rollupKey,
    referrer: text('referrer').notNull(),
    views: bigint('views', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ name: 'rollup_referrers_pk', columns: [t.scope, t.scopeId, t.day, t.referrer] })],
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
