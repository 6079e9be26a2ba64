/**
 * The analytics-store port: where raw beacons go and where reports come from. Two implementations pass
 * one contract suite (analytics-store.contract.ts): PostgreSQL/PGlite (postgres-store.ts, the default)
 * and ClickHouse (clickhouse-store.ts). Times are whole seconds (ClickHouse 18.16's DateTime).
 */
import type { ReportBucket } from '@streamhub/contracts/analytics';

export type TargetType = 'video' | 'live';

/** One beacon as stored: the view's identity (from its signed token) and its cumulative state. */
export interface BeaconRecord {
  viewId: string;
  seq: number;
  /** `start` for the view start, else the beacon's event. */
  event: string;
  receivedAt: Date;
  viewStartedAt: Date;
  targetType: TargetType;
  /** The video id, or the live session's id. */
  targetId: string;
  channelId: string | null;
  viewerId: string;
  /** Host of the referring page, or '' when none. */
  referrer: string;
  device: string;
  watchedMs: number;
  positionPct: number;
  rendition: string;
  startupMs: number | null;
  rebufferCount: number;
  rebufferMs: number;
  renditionSwitches: number;
  failed: boolean;
  errorCode: string;
}

/** A view that watched long enough to be counted, awaiting the decision. */
export interface ViewCandidate {
  viewId: string;
  startedAt: Date;
  targetType: TargetType;
  targetId: string;
  channelId: string | null;
  viewerId: string;
}

export interface ViewDecision extends ViewCandidate {
  counted: boolean;
}

export type ReportScope =
  | { kind: 'video'; id: string }
  | { kind: 'live'; id: string }
  | { kind: 'channel'; id: string }
  | { kind: 'instance' };

export interface TimeRange {
  from: Date;
  to: Date;
}

/** Sums over a set of views; percentages are derived from them by the service. */
export interface MetricSums {
  views: number;
  countedViews: number;
  uniqueViewers: number;
  watchTimeMs: number;
  /** Nearest rank: the value at index floor(n·p) of the sorted startup times (ClickHouse's quantileExact). */
  startupP50Ms: number | null;
  startupP95Ms: number | null;
  rebufferCount: number;
  rebufferMs: number;
  failedViews: number;
  exitsBeforeStart: number;
}

export interface BucketSums extends MetricSums {
  bucket: Date;
}

export interface TopVideo {
  videoId: string;
  countedViews: number;
  watchTimeMs: number;
}

export interface TopReferrer {
  referrer: string;
  views: number;
}

/** What one report asks for besides its totals and series: how many top videos and referrers (0: none). */
export interface ReportTops {
  topVideos: number;
  topReferrers: number;
}

export interface ReportSums {
  totals: MetricSums;
  series: BucketSums[];
  topVideos: TopVideo[];
  topReferrers: TopReferrer[];
}

export interface ViewInterval {
  startedAt: Date;
  lastAt: Date;
}

/** The live presence of a broadcast at one 10 s tick: distinct viewers of `/ws`, players and beacons. */
export interface PresenceSample {
  liveSessionId: string;
  /** A multiple of 10 s. */
  at: Date;
  viewers: number;
}

/** Retention is sampled at each 5 % of a video: 0, 5, …, 100. */
export const RETENTION_POINTS = Array.from({ length: 21 }, (_, i) => i * 5);

export interface AnalyticsStore {
  readonly name: 'postgres' | 'clickhouse';
  /** Creates what the store needs (ClickHouse's tables; PostgreSQL has its migration). Idempotent. */
  prepare(): Promise<void>;
  /** Writes raw beacons, in one batch. */
  append(records: readonly BeaconRecord[]): Promise<void>;
  /** Folds raw beacons into the per-view rollup the reports read. Idempotent. */
  rollUp(): Promise<void>;
  /** Views with at least `minWatchedMs` watched and no decision yet, oldest first. */
  undecidedViews(minWatchedMs: number, limit: number): Promise<ViewCandidate[]>;
  /** For each `viewerId`/`targetId` pair, the starts of its counted views within `range`, ascending. */
  countedStarts(
    pairs: readonly { viewerId: string; targetId: string }[],
    range: TimeRange,
  ): Promise<Map<string, Date[]>>;
  recordDecisions(decisions: readonly ViewDecision[]): Promise<void>;
  /** Counted views of each video, all time. */
  countedViews(videoIds: readonly string[]): Promise<Map<string, number>>;
  totals(scope: ReportScope, range: TimeRange): Promise<MetricSums>;
  /** Buckets with at least one view, in time order (UTC). */
  series(scope: ReportScope, range: TimeRange, bucket: ReportBucket): Promise<BucketSums[]>;
  /** {@link totals} and {@link series} of one report together: one pass over the rollups where it can. */
  summary(
    scope: ReportScope,
    range: TimeRange,
    bucket: ReportBucket,
  ): Promise<{ totals: MetricSums; series: BucketSums[] }>;
  topVideos(scope: ReportScope, range: TimeRange, limit: number): Promise<TopVideo[]>;
  topReferrers(scope: ReportScope, range: TimeRange, limit: number): Promise<TopReferrer[]>;
  /**
   * A whole report: {@link summary}, {@link topVideos} and {@link topReferrers} together, so that a store
   * can read the views not rolled up yet once for all of them.
   */
  report(scope: ReportScope, range: TimeRange, bucket: ReportBucket, tops: ReportTops): Promise<ReportSums>;
  /** Views of a video that played, and how many reached each of RETENTION_POINTS. */
  retention(videoId: string, range: TimeRange): Promise<{ views: number; reached: number[] }>;
  /** When each view of a broadcast started and last reported. */
  viewIntervals(liveSessionId: string): Promise<ViewInterval[]>;
  /**
   * Stores presence samples; a second sample of the same broadcast and tick (another replica) keeps the
   * higher count.
   */
  recordPresenceSamples(samples: readonly PresenceSample[]): Promise<void>;
  /** A broadcast's presence samples, in time order. */
  presenceSamples(liveSessionId: string): Promise<Omit<PresenceSample, 'liveSessionId'>[]>;
  /** Drops raw beacons received before `before` (whole days); the rollups stay. Returns days dropped. */
  pruneRawEvents(before: Date): Promise<number>;
  close(): Promise<void>;
}

/** Map key of a viewer/target pair. */
export const pairKey = (viewerId: string, targetId: string) => `${viewerId}|${targetId}`;

export const emptySums = (): MetricSums => ({
  views: 0,
  countedViews: 0,
  uniqueViewers: 0,
  watchTimeMs: 0,
  startupP50Ms: null,
  startupP95Ms: null,
  rebufferCount: 0,
  rebufferMs: 0,
  failedViews: 0,
  exitsBeforeStart: 0,
});
