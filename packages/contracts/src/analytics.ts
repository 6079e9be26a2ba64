/**
 * Shapes of the analytics domain (`/api/v1/analytics`): the player beacons (docs/analytics.md) and the
 * reports of a video, a broadcast, a channel and the instance.
 */
import { z } from '@hono/zod-openapi';
import { ViewerIdSchema } from './realtime.ts';
import { text } from './text.ts';

/** How often a player sends a heartbeat while playing. */
export const HEARTBEAT_SECONDS = 10;

export const ViewTargetSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('video'), videoId: z.uuid('must be a video id (uuid)') }),
    z.strictObject({
      type: z.literal('live'),
      playbackId: text()
        .min(1)
        .max(64)
        .regex(/^[A-Za-z0-9_-]+$/, 'must be a playback id'),
    }),
  ])
  .openapi('ViewTarget', {
    description: 'What is watched: a video on demand, or a live broadcast by its playback id',
  });

export const StartViewRequestSchema = z
  .strictObject({
    target: ViewTargetSchema,
    referrer: text().max(2048).optional().openapi({
      description: 'document.referrer of the page that embeds the player; only its host is kept',
    }),
    viewerId: ViewerIdSchema.optional().openapi({
      description:
        "The player's stable viewer id, the one its page joins `/ws` with: a live view and that page's chat connection then count as one concurrent viewer",
    }),
  })
  .openapi('StartViewRequest');
export type StartViewRequest = z.infer<typeof StartViewRequestSchema>;

export const StartedViewSchema = z
  .object({
    viewId: z.uuid(),
    token: z.string().openapi({ description: 'Signed view token; every beacon of this view carries it' }),
    heartbeatSeconds: z.number().int(),
  })
  .openapi('StartedView');
export type StartedView = z.infer<typeof StartedViewSchema>;

export const BEACON_EVENTS = [
  'heartbeat',
  'startup',
  'rebuffer',
  'rendition',
  'error',
  'exit',
  'end',
] as const;
export const BeaconEventSchema = z.enum(BEACON_EVENTS);
export type BeaconEvent = z.infer<typeof BeaconEventSchema>;

const HOUR_MS = 3600_000;
const millis = (max: number) => z.number().int().min(0).max(max);

/** Every beacon carries the view's cumulative state, so a lost beacon loses nothing the next one holds. */
export const BeaconRequestSchema = z
  .strictObject({
    token: z.string().min(1).max(1024),
    seq: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .openapi({ description: 'Increasing per view; the latest wins' }),
    event: BeaconEventSchema,
    watchedMs: millis(48 * HOUR_MS).openapi({ description: 'Time spent playing, cumulative' }),
    positionPct: z
      .number()
      .min(0)
      .max(100)
      .optional()
      .openapi({ description: 'Furthest point reached in a VOD, percent of its duration' }),
    rendition: text()
      .max(32)
      .regex(/^[A-Za-z0-9_.x-]*$/, 'must be a rendition name like 720p')
      .optional(),
    startupMs: millis(HOUR_MS).optional().openapi({ description: 'Play request to first frame, once known' }),
    rebufferCount: z.number().int().min(0).max(100_000).default(0),
    rebufferMs: millis(48 * HOUR_MS).default(0),
    renditionSwitches: z.number().int().min(0).max(100_000).default(0),
    error: z
      .strictObject({ code: text().min(1).max(64), message: text().max(500).optional() })
      .optional()
      .openapi({ description: 'A fatal playback error: the view failed' }),
  })
  .openapi('Beacon');
export type BeaconRequest = z.infer<typeof BeaconRequestSchema>;

export const REPORT_BUCKETS = ['hour', 'day', 'month'] as const;
export const ReportBucketSchema = z.enum(REPORT_BUCKETS);
export type ReportBucket = z.infer<typeof ReportBucketSchema>;

/** At most this many buckets in one series, so a range cannot ask for millions of rows. */
export const MAX_REPORT_BUCKETS = 2000;

export const ReportQuerySchema = z
  .object({
    from: z.iso.datetime().openapi({ description: 'Start of the range (inclusive), ISO 8601' }),
    to: z.iso.datetime().openapi({ description: 'End of the range (exclusive), ISO 8601' }),
    bucket: ReportBucketSchema.default('day'),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), { message: 'must be before to', path: ['from'] });
export type ReportQuery = z.infer<typeof ReportQuerySchema>;

export const MetricsSchema = z
  .object({
    views: z.number().int(),
    countedViews: z.number().int(),
    uniqueViewers: z.number().int(),
    watchTimeMs: z.number().int(),
    averageViewDurationMs: z.number().int(),
    startupP50Ms: z.number().int().nullable(),
    startupP95Ms: z.number().int().nullable(),
    rebufferCount: z.number().int(),
    rebufferPct: z.number().openapi({ description: 'Rebuffering time over watch time, percent' }),
    failedViews: z.number().int(),
    failurePct: z.number(),
    exitsBeforeStart: z.number().int(),
  })
  .openapi('AnalyticsMetrics');
export type Metrics = z.infer<typeof MetricsSchema>;

export const SeriesPointSchema = MetricsSchema.extend({ bucket: z.iso.datetime() }).openapi('AnalyticsPoint');
export type SeriesPoint = z.infer<typeof SeriesPointSchema>;

export const ReportSchema = z
  .object({
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    bucket: ReportBucketSchema,
    totals: MetricsSchema,
    series: z.array(SeriesPointSchema),
    topVideos: z.array(
      z.object({ videoId: z.uuid(), countedViews: z.number().int(), watchTimeMs: z.number().int() }),
    ),
    topReferrers: z.array(z.object({ referrer: z.string(), views: z.number().int() })),
    retention: z
      .array(z.object({ pct: z.number().int(), share: z.number() }))
      .nullable()
      .openapi({ description: 'A video: share of its views still watching at each 5 % of it' }),
    concurrency: z
      .object({
        peak: z.number().int(),
        samples: z.array(z.object({ at: z.iso.datetime(), viewers: z.number().int() })),
      })
      .nullable()
      .openapi({
        description:
          'A broadcast: concurrent viewers every 10 s (the presence sample of `/ws` and players, or the views sending beacons, whichever is higher), and the peak',
      }),
  })
  .openapi('AnalyticsReport');
export type Report = z.infer<typeof ReportSchema>;

export const ChannelSlugReportParamsSchema = z.object({
  slug: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'slug', in: 'path' } }),
});
export const ReportIdParamsSchema = z.object({
  id: z.uuid('must be a uuid').openapi({ param: { name: 'id', in: 'path' } }),
});
