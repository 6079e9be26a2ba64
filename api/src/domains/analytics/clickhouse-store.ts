/**
 * The analytics store on ClickHouse, for instances that outgrow one PostgreSQL: raw beacons in a
 * MergeTree partitioned by day, and the per-view rollup kept by the engine itself (a materialized view
 * into a ReplacingMergeTree keyed by view, read with FINAL). Written for Debian's ClickHouse 18.16: no
 * query parameters (values are inlined through `quote`), no LowCardinality, no DateTime64, no TTL.
 */
import { type ClickHouseClient, type ClickHouseSettings, createClient } from '@clickhouse/client';
import type { ReportBucket } from '@streamhub/contracts/analytics';
import {
  type AnalyticsStore,
  type BeaconRecord,
  type BucketSums,
  type MetricSums,
  type PresenceSample,
  pairKey,
  RETENTION_POINTS,
  type ReportScope,
  type ReportSums,
  type ReportTops,
  type TimeRange,
  type TopReferrer,
  type TopVideo,
  type ViewCandidate,
  type ViewDecision,
  type ViewInterval,
} from './analytics-store.ts';

type Row = Record<string, unknown>;
type Watermark = 'hours' | 'days';

/** A string literal for ClickHouse SQL. */
export const quote = (value: string) => `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/** `YYYY-MM-DD hh:mm:ss` in UTC, the DateTime('UTC') text form. */
const dateTime = (at: Date) => at.toISOString().slice(0, 19).replace('T', ' ');
const fromDateTime = (text: unknown) => new Date(`${String(text).replace(' ', 'T')}Z`);
const num = (value: unknown) => Number(value ?? 0);

const STATE_COLUMNS = `target_type String, target_id String, channel_id String, viewer_id String,
  referrer String, device String, watched_ms UInt64, position_pct Float32, rendition String,
  startup_ms Int32, rebuffer_count UInt32, rebuffer_ms UInt64, rendition_switches UInt32, failed UInt8,
  error_code String`;

function scopeFilter(scope: ReportScope): string {
  switch (scope.kind) {
    case 'video':
      return `target_type = 'video' AND target_id = ${quote(scope.id)}`;
    case 'live':
      return `target_type = 'live' AND target_id = ${quote(scope.id)}`;
    case 'channel':
      return `channel_id = ${quote(scope.id)}`;
    case 'instance':
      return '1';
  }
}

const inRange = (range: TimeRange) =>
  `started_at >= toDateTime(${quote(dateTime(range.from))}, 'UTC') AND started_at < toDateTime(${quote(dateTime(range.to))}, 'UTC')`;

/**
 * A view can change for 24 h after it starts (its token's life) and a little longer (buffered beacons):
 * hours that started more than this long ago are settled, and folded into the hourly rollups.
 */
export const SETTLE_MS = 25 * 3600_000;
const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;
const floorDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

/**
 * One hour of one scope's views as partial aggregates: the hourly rollup's columns, in this order,
 * and what the raw per-view table gives for hours not rolled up yet. Unique viewers are a
 * `uniqCombined(15)` state (UNIQ_BITS), so hours and days merge: exact for small sets, then a HyperLogLog of
 * 2^15 cells (about 0.6 % standard error); `uniq` states of a month merged several times slower
 * (docs/analytics.md). Startup
 * times are a histogram (distinct values and their counts, merged by `sumMap`): exact nearest-rank
 * percentiles from a few values per hour instead of every view's time.
 */
const UNIQ_BITS = 15;
/**
 * `seriesRow`: in the report query (rows fanned out to several parts), the condition of the rows whose
 * viewers and startup times are wanted; the other parts' rows skip the costly states.
 */
const PARTIAL_SUMS = (counted: string, seriesRow?: string) => {
  const started = seriesRow ? `startup_ms >= 0 AND ${seriesRow}` : 'startup_ms >= 0';
  const histogram = `sumMap(if(${started}, [startup_ms], emptyArrayInt32()),
    if(${started}, [toUInt64(1)], emptyArrayUInt64()))`;
  const viewers = seriesRow
    ? `uniqCombinedStateIf(${UNIQ_BITS})(viewer_id, ${seriesRow})`
    : `uniqCombinedState(${UNIQ_BITS})(viewer_id)`;
  return `count() AS views, ${counted} AS counted, ${viewers} AS viewers, sum(watched_ms) AS watched_ms,
  countIf(startup_ms >= 0) AS startups,
  tupleElement(${histogram}, 1) AS startup_values, tupleElement(${histogram}, 2) AS startup_counts,
  sum(toUInt64(rebuffer_count)) AS rebuffer_count, sum(rebuffer_ms) AS rebuffer_ms,
  countIf(failed = 1) AS failed_views, countIf(exited_before_start = 1) AS exits`;
};
const PARTIAL_COLUMNS =
  'views, counted, viewers, watched_ms, startups, startup_values, startup_counts, rebuffer_count, rebuffer_ms, failed_views, exits';
/** PARTIAL_COLUMNS of a row that only counts (top videos and referrers): no viewers, no startup times. */
const countsOnly = (views: string, counted: string, watched: string) =>
  `${views}, ${counted}, arrayReduce('uniqCombinedState(${UNIQ_BITS})', emptyArrayString()), ${watched},
  toUInt64(0), emptyArrayInt32(), emptyArrayUInt64(), toUInt64(0), toUInt64(0), toUInt64(0), toUInt64(0)`;
const MERGED_SUMS = `sum(views) AS views, sum(counted) AS counted, uniqCombinedMerge(${UNIQ_BITS})(viewers) AS unique_viewers,
  sum(watched_ms) AS watch_time_ms, sum(startups) AS startups,
  sumMap(startup_values, startup_counts) AS startup_hist, sum(rebuffer_count) AS rebuffer_count,
  sum(rebuffer_ms) AS rebuffer_ms, sum(failed_views) AS failed_views, sum(exits) AS exits_before_start`;

/**
 * The levels a view is rolled up at: its target, its channel (target_type 'channel', target_id the
 * channel) and the instance (channel and target ''). Reads the renamed columns of `viewColumns`.
 */
const LEVELS = `ARRAY JOIN [(ch, tt, ti), (ch, 'channel', ch), ('', 'instance', '')] AS lvl
  WHERE NOT (lvl.2 = 'channel' AND lvl.1 = '')`;

/** The per-view table's columns with the level keys renamed (they become the rollup's keys). */
const viewColumns = `view_id, channel_id AS ch, target_type AS tt, target_id AS ti, started_at, viewer_id,
  referrer, watched_ms, startup_ms, rebuffer_count, rebuffer_ms, failed, exited_before_start`;

/** The rolled-up rows of a scope's own level (totals, series, referrers). */
function rolledScope(scope: ReportScope): string {
  switch (scope.kind) {
    case 'video':
    case 'live':
      return `target_type = '${scope.kind}' AND target_id = ${quote(scope.id)}`;
    case 'channel':
      return `channel_id = ${quote(scope.id)} AND target_type = 'channel'`;
    case 'instance':
      return `channel_id = '' AND target_type = 'instance'`;
  }
}

/** The rolled-up video rows inside a scope (top videos). */
function rolledVideos(scope: ReportScope): string {
  switch (scope.kind) {
    case 'video':
      return `target_type = 'video' AND target_id = ${quote(scope.id)}`;
    case 'live':
      return '0';
    case 'channel':
      return `channel_id = ${quote(scope.id)} AND target_type = 'video'`;
    case 'instance':
      return `target_type = 'video'`;
  }
}

/** Nearest rank (index floor(n·p) of the sorted values) from a merged histogram. */
function nearestRank(values: readonly unknown[], counts: readonly unknown[], p: number): number | null {
  const total = counts.reduce<number>((sum, n) => sum + num(n), 0);
  if (total === 0) return null;
  const rank = Math.floor(total * p);
  let seen = 0;
  for (let i = 0; i < values.length; i += 1) {
    seen += num(counts[i]);
    if (seen > rank) return num(values[i]);
  }
  return null;
}

/**
 * Which part of a range the rollups answer: whole days inside [dayFrom, dayTo) from the daily rollups,
 * whole hours of [rolledFrom, dayFrom) and [dayTo, rolledTo) from the hourly ones, the rest (hours not
 * folded yet, the range's partial edge hours) from the per-view table.
 */
interface RangeSplit {
  rolledFrom: Date;
  rolledTo: Date;
  dayFrom: Date;
  dayTo: Date;
}

function toMergedSums(row: Row | undefined): MetricSums {
  const [values = [], counts = []] = (row?.startup_hist ?? []) as unknown[][];
  return {
    views: num(row?.views),
    countedViews: num(row?.counted),
    uniqueViewers: num(row?.unique_viewers),
    watchTimeMs: num(row?.watch_time_ms),
    startupP50Ms: nearestRank(values, counts, 0.5),
    startupP95Ms: nearestRank(values, counts, 0.95),
    rebufferCount: num(row?.rebuffer_count),
    rebufferMs: num(row?.rebuffer_ms),
    failedViews: num(row?.failed_views),
    exitsBeforeStart: num(row?.exits_before_start),
  };
}

/** The bucket's start as a unix time in seconds (a month through its date: toStartOfMonth gives a Date). */
function bucketExpression(bucket: ReportBucket, column = 'started_at'): string {
  switch (bucket) {
    case 'hour':
      return `toUnixTimestamp(toStartOfHour(${column}))`;
    case 'day':
      return `toUnixTimestamp(toStartOfDay(${column}))`;
    case 'month':
      return `toUnixTimestamp(toDateTime(concat(toString(toStartOfMonth(${column})), ' 00:00:00'), 'UTC'))`;
  }
}

const at = (date: Date) => `toDateTime(${quote(dateTime(date))}, 'UTC')`;

/** The hours of a split that the hourly rollups answer (those the daily rollups do not). */
const hourlyPart = (split: RangeSplit, column = 'hour') =>
  `((${column} >= ${at(split.rolledFrom)} AND ${column} < ${at(split.dayFrom)})
    OR (${column} >= ${at(split.dayTo)} AND ${column} < ${at(split.rolledTo)}))`;
const dailyPart = (split: RangeSplit) => `day >= ${at(split.dayFrom)} AND day < ${at(split.dayTo)}`;

/**
 * A rollup's rows of the newest fold only, without FINAL (which merges the rows' aggregate states in
 * one thread: 2.8 s against 0.9 s for a month of daily `uniq` states, load 25): the keys' highest
 * version, read from the key columns alone. A `FROM` clause.
 */
const newest = (table: string, time: string, where: string) => `${table} WHERE ${where}
  AND (channel_id, target_type, target_id, ${time}, version) IN (
    SELECT channel_id, target_type, target_id, ${time}, max(version) FROM ${table} WHERE ${where}
    GROUP BY channel_id, target_type, target_id, ${time})`;

/**
 * The per-view table as one row per view without FINAL: KEYS are the same in every version of a view
 * (any), LATEST are taken from its highest `seq`, the version ReplacingMergeTree(seq) keeps. Grouped by
 * view_id alone: grouping by the whole sort key as well cost about twice the CPU (system.query_log).
 * Aggregating spreads over the cores, where FINAL merges the parts' sorted streams in one thread.
 * `counted`: a condition on view_id, evaluated once per view.
 */
const LATEST = ['watched_ms', 'startup_ms', 'rebuffer_count', 'rebuffer_ms', 'failed', 'exited_before_start'];
// The sort key's columns a report reads, and the viewer and referrer: both from the view's token.
const KEYS = ['target_type', 'target_id', 'started_at', 'viewer_id', 'referrer'];
const latestViews = (table: string, where: string, counted: string) => `(SELECT view_id,
    toUInt8(${counted}) AS is_counted, ${[...KEYS, ...LATEST].map((column) => `last_${column} AS ${column}`).join(', ')}
  FROM (SELECT view_id, ${KEYS.map((column) => `any(${column}) AS last_${column}`).join(', ')},
      ${LATEST.map((column) => `argMax(${column}, seq) AS last_${column}`).join(', ')}
    FROM ${table} WHERE ${where} GROUP BY view_id))`;

/**
 * The report query's parts, its rows' `part`: the series (merged once more as the totals, slot 0),
 * top videos, top referrers.
 */
const SERIES = 1;
const VIDEOS = 2;
const REFERRERS = 3;
const TOTALS = 0;

/** What one report query answers: the totals and series (with a bucket), and how many tops. */
interface ReportParts extends ReportTops {
  bucket?: ReportBucket;
}

export interface ClickHouseStoreOptions {
  /** `http://host:8123`; a path names the database (default `streamhub`). */
  url: string;
  /** Settings sent with every query (the report bench sets `log_queries` to read system.query_log). */
  settings?: ClickHouseSettings;
}

export class ClickHouseAnalyticsStore implements AnalyticsStore {
  readonly name = 'clickhouse';
  private readonly client: ClickHouseClient;
  private readonly db: string;
  private prepared: Promise<void> | undefined;
  /**
   * Hours before `hours` are folded into the hourly rollups, days before `days` into the daily ones
   * (as last read or written by this process); `days` never passes `hours`.
   */
  private readonly watermarks = new Map<Watermark, Date>();

  constructor(options: ClickHouseStoreOptions) {
    const url = new URL(options.url);
    this.db = url.pathname.replace(/^\/+|\/+$/g, '') || 'streamhub';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(this.db))
      throw new Error(`Not a ClickHouse database name: ${this.db}`);
    url.pathname = '/';
    this.client = createClient({ url: url.toString(), clickhouse_settings: options.settings });
  }

  private table(name: string) {
    return `${this.db}.${name}`;
  }

  private async rows(query: string): Promise<Row[]> {
    await this.prepare();
    const result = await this.client.query({ query, format: 'JSONEachRow' });
    return (await result.json()) as Row[];
  }

  private async run(query: string): Promise<void> {
    await this.client.command({ query });
  }

  /** Creates the database and tables once per process (idempotent on the server too). */
  prepare(): Promise<void> {
    this.prepared ??= this.createTables().catch((error: unknown) => {
      this.prepared = undefined;
      throw error;
    });
    return this.prepared;
  }

  private async createTables(): Promise<void> {
    await this.run(`CREATE DATABASE IF NOT EXISTS ${this.db}`);
    await this.run(`CREATE TABLE IF NOT EXISTS ${this.table('events')} (
        view_id String, seq UInt32, event String, received_at DateTime('UTC'), view_started_at DateTime('UTC'),
        ${STATE_COLUMNS}
      ) ENGINE = MergeTree() PARTITION BY toYYYYMMDD(received_at) ORDER BY (target_id, received_at, view_id)`);
    // One row per view: every version shares the sort key, the highest `seq` survives the merges.
    await this.run(`CREATE TABLE IF NOT EXISTS ${this.table('views')} (
        view_id String, seq UInt32, started_at DateTime('UTC'), last_at DateTime('UTC'), ${STATE_COLUMNS},
        exited_before_start UInt8
      ) ENGINE = ReplacingMergeTree(seq) PARTITION BY toYYYYMM(started_at)
      ORDER BY (channel_id, target_type, target_id, started_at, view_id)`);
    await this.run(`CREATE MATERIALIZED VIEW IF NOT EXISTS ${this.table('views_mv')} TO ${this.table('views')} AS
      SELECT view_id, seq, view_started_at AS started_at, received_at AS last_at, target_type, target_id, channel_id,
        viewer_id, referrer, device, watched_ms, position_pct, rendition, startup_ms, rebuffer_count, rebuffer_ms,
        rendition_switches, failed, error_code, toUInt8(event = 'exit' AND startup_ms < 0) AS exited_before_start
      FROM ${this.table('events')}`);
    await this.run(`CREATE TABLE IF NOT EXISTS ${this.table('view_decisions')} (
        view_id String, counted UInt8, started_at DateTime('UTC'), target_type String, target_id String,
        channel_id String, viewer_id String
      ) ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(started_at)
      ORDER BY (target_id, viewer_id, started_at, view_id)`);
    // The hourly rollups of settled hours, folded by rollUp(), at three levels (LEVELS): each target,
    // each channel, the instance. ReplacingMergeTree on the whole key: folding an hour again (late
    // data) replaces its rows, the newest fold winning; read with FINAL, which is cheap on the few
    // hours a report reads here (the daily rollups answer whole days). (rollup_hourly/rollup_referrers
    // of earlier versions are no longer written or read.)
    await this.createRollupTables('rollup_hours', 'rollup_level_referrers', 'hour');
    // The daily rollups, folded from the hourly ones once a whole UTC day is folded there: the same
    // columns per level and day (the day's viewer states merged into one), so that a month is ~30 rows.
    await this.createRollupTables('rollup_days', 'rollup_day_referrers', 'day');
    await this.run(`CREATE TABLE IF NOT EXISTS ${this.table('rollup_state')} (
        name String, watermark DateTime('UTC'), version UInt64
      ) ENGINE = ReplacingMergeTree(version) ORDER BY name`);
    // The rollup of an earlier design, no longer written or read.
    await this.run(`DROP TABLE IF EXISTS ${this.table('rollup_levels')}`);
    // One row per broadcast and 10 s tick; the version column keeps the higher count of two replicas.
    await this.run(`CREATE TABLE IF NOT EXISTS ${this.table('presence_samples')} (
        live_session_id String, at DateTime('UTC'), viewers UInt32
      ) ENGINE = ReplacingMergeTree(viewers) PARTITION BY toYYYYMM(at) ORDER BY (live_session_id, at)`);
  }

  /** One rollup level's tables (totals and referrers), keyed by their time column (`hour` or `day`). */
  private async createRollupTables(totals: string, referrers: string, time: 'hour' | 'day'): Promise<void> {
    await this.run(`CREATE TABLE IF NOT EXISTS ${this.table(totals)} (
        channel_id String, target_type String, target_id String, ${time} DateTime('UTC'), version UInt64,
        views UInt64, counted UInt64, viewers AggregateFunction(uniqCombined(${UNIQ_BITS}), String), watched_ms UInt64,
        startups UInt64, startup_values Array(Int32), startup_counts Array(UInt64),
        rebuffer_count UInt64, rebuffer_ms UInt64, failed_views UInt64, exits UInt64
      ) ENGINE = ReplacingMergeTree(version) PARTITION BY toYYYYMM(${time})
      ORDER BY (channel_id, target_type, target_id, ${time})`);
    await this.run(`CREATE TABLE IF NOT EXISTS ${this.table(referrers)} (
        channel_id String, target_type String, target_id String, ${time} DateTime('UTC'), referrer String,
        version UInt64, views UInt64
      ) ENGINE = ReplacingMergeTree(version) PARTITION BY toYYYYMM(${time})
      ORDER BY (channel_id, target_type, target_id, ${time}, referrer)`);
  }

  async append(records: readonly BeaconRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.prepare();
    await this.reopen(records.map((r) => r.viewStartedAt));
    await this.client.insert({
      table: this.table('events'),
      format: 'JSONEachRow',
      values: records.map((r) => ({
        view_id: r.viewId,
        seq: r.seq,
        event: r.event,
        received_at: dateTime(r.receivedAt),
        view_started_at: dateTime(r.viewStartedAt),
        target_type: r.targetType,
        target_id: r.targetId,
        channel_id: r.channelId ?? '',
        viewer_id: r.viewerId,
        referrer: r.referrer,
        device: r.device,
        watched_ms: r.watchedMs,
        position_pct: r.positionPct,
        rendition: r.rendition,
        startup_ms: r.startupMs ?? -1,
        rebuffer_count: r.rebufferCount,
        rebuffer_ms: r.rebufferMs,
        rendition_switches: r.renditionSwitches,
        failed: r.failed ? 1 : 0,
        error_code: r.errorCode,
      })),
    });
  }

  /** A rollup's watermark: hours (`hours`) or days (`days`) before it are folded. */
  private async currentWatermark(name: Watermark = 'hours'): Promise<Date> {
    const known = this.watermarks.get(name);
    if (known) return known;
    const [row] = await this.rows(`SELECT toUnixTimestamp(argMax(watermark, version)) AS w
      FROM ${this.table('rollup_state')} WHERE name = ${quote(name)}`);
    const watermark = new Date(num(row?.w) * 1000);
    this.watermarks.set(name, watermark);
    return watermark;
  }

  private async writeWatermark(watermark: Date, name: Watermark = 'hours'): Promise<void> {
    this.watermarks.set(name, watermark);
    await this.client.insert({
      table: this.table('rollup_state'),
      format: 'JSONEachRow',
      values: [{ name, watermark: dateTime(watermark), version: Date.now() }],
    });
  }

  /**
   * Views or decisions that land in hours already folded (a test's or a bench's past data; never a
   * player's, whose token dies after 24 h) move the watermark back to their hour: reports read those
   * hours from the per-view table again, and the next roll-up folds them anew.
   */
  private async reopen(starts: readonly Date[]): Promise<void> {
    if (starts.length === 0) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const start of starts) earliest = Math.min(earliest, floorHour(start.getTime()));
    if (earliest < (await this.currentWatermark()).getTime()) await this.writeWatermark(new Date(earliest));
    const day = floorDay(earliest);
    if (day < (await this.currentWatermark('days')).getTime())
      await this.writeWatermark(new Date(day), 'days');
  }

  /**
   * The per-view table is kept by the engine (a materialized view into a ReplacingMergeTree). This folds
   * the settled hours since the watermark into the hourly rollups the reports read.
   */
  async rollUp(): Promise<void> {
    await this.prepare();
    // Another replica may have moved them: read them afresh.
    this.watermarks.clear();
    const from = await this.currentWatermark();
    const to = new Date(floorHour(Date.now() - SETTLE_MS));
    if (to > from) await this.foldHours(from, to);
    await this.foldDays();
  }

  /** Folds the settled hours [from, to) of the per-view table into the hourly rollups. */
  private async foldHours(from: Date, to: Date): Promise<void> {
    const version = Date.now();
    const slice = `started_at >= ${at(from)} AND started_at < ${at(to)}`;
    const counted = `countIf(view_id IN (SELECT view_id FROM ${this.table('view_decisions')}
      WHERE counted = 1 AND ${slice}))`;
    const source = `(SELECT ${viewColumns} FROM ${this.table('views')} FINAL WHERE ${slice})`;
    await this.run(`INSERT INTO ${this.table('rollup_hours')}
      SELECT lvl.1 AS channel_id, lvl.2 AS target_type, lvl.3 AS target_id, toStartOfHour(started_at) AS hour,
        ${version} AS version, ${PARTIAL_SUMS(counted)}
      FROM ${source} ${LEVELS}
      GROUP BY channel_id, target_type, target_id, hour`);
    await this.run(`INSERT INTO ${this.table('rollup_level_referrers')}
      SELECT lvl.1 AS channel_id, lvl.2 AS target_type, lvl.3 AS target_id, toStartOfHour(started_at) AS hour,
        referrer, ${version} AS version, count() AS views
      FROM ${source} ${LEVELS} AND referrer != ''
      GROUP BY channel_id, target_type, target_id, hour, referrer`);
    // Late data reopened an hour while this fold ran: leave the watermark there, the next pass folds it.
    if ((await this.currentWatermark()).getTime() < from.getTime()) return;
    await this.writeWatermark(to);
  }

  /**
   * Folds the whole days below the hourly watermark into the daily rollups (once a day, as the
   * PostgreSQL store's daily rollups): per level and day, the hours' sums and their `uniq` states merged
   * into one. Reads the hourly rows with FINAL (an hour folded again has two versions until merged):
   * a day's worth of rows, once.
   */
  private async foldDays(): Promise<void> {
    const from = await this.currentWatermark('days');
    const to = new Date(floorDay((await this.currentWatermark()).getTime()));
    if (to <= from) return;
    const version = Date.now();
    const slice = `hour >= ${at(from)} AND hour < ${at(to)}`;
    // Positional: the inner names differ from the columns (an alias named like a column another
    // expression reads is a cyclic alias on 18.16).
    await this.run(`INSERT INTO ${this.table('rollup_days')}
      SELECT channel_id, target_type, target_id, d_day, ${version}, d_views, d_counted, d_viewers, d_watched,
        d_startups, tupleElement(d_hist, 1), tupleElement(d_hist, 2), d_rebuffers, d_rebuffer_ms, d_failed, d_exits
      FROM (SELECT channel_id, target_type, target_id, toStartOfDay(hour) AS d_day, sum(views) AS d_views,
          sum(counted) AS d_counted, uniqCombinedMergeState(${UNIQ_BITS})(viewers) AS d_viewers, sum(watched_ms) AS d_watched,
          sum(startups) AS d_startups, sumMap(startup_values, startup_counts) AS d_hist,
          sum(rebuffer_count) AS d_rebuffers, sum(rebuffer_ms) AS d_rebuffer_ms,
          sum(failed_views) AS d_failed, sum(exits) AS d_exits
        FROM ${this.table('rollup_hours')} FINAL WHERE ${slice}
        GROUP BY channel_id, target_type, target_id, d_day)`);
    await this.run(`INSERT INTO ${this.table('rollup_day_referrers')}
      SELECT channel_id, target_type, target_id, toStartOfDay(hour) AS day, referrer, ${version} AS version,
        sum(views) AS views
      FROM ${this.table('rollup_level_referrers')} FINAL WHERE ${slice}
      GROUP BY channel_id, target_type, target_id, day, referrer`);
    if ((await this.currentWatermark('days')).getTime() < from.getTime()) return;
    await this.writeWatermark(to, 'days');
  }

  /**
   * Whole days of `range` below the daily watermark come from the daily rollups, other whole hours
   * below the hourly watermark from the hourly ones, the rest from the views. Hour buckets read no
   * daily rows.
   */
  private async split(range: TimeRange, bucket?: ReportBucket): Promise<RangeSplit> {
    const watermark = (await this.currentWatermark()).getTime();
    const days = (await this.currentWatermark('days')).getTime();
    const rolledFrom = Math.ceil(range.from.getTime() / HOUR_MS) * HOUR_MS;
    const rolledTo = Math.max(rolledFrom, Math.min(floorHour(range.to.getTime()), watermark));
    const dayFrom = clamp(Math.ceil(range.from.getTime() / DAY_MS) * DAY_MS, rolledFrom, rolledTo);
    const dayTo =
      bucket === 'hour' ? dayFrom : clamp(Math.min(floorDay(range.to.getTime()), days), dayFrom, rolledTo);
    return {
      rolledFrom: new Date(rolledFrom),
      rolledTo: new Date(rolledTo),
      dayFrom: new Date(dayFrom),
      dayTo: new Date(dayTo),
    };
  }

  /**
   * One query for a whole report, so that the views not rolled up yet are read once (they are most
   * of its work): each such view is fanned out (ARRAY JOIN) to its series bucket, its video and its
   * referrer, and grouped with the rolled rows of each part; the series rows are merged once more into
   * the totals. ClickHouse 18.16 has no GROUPING SETS, and no CTE a query could read three times.
   */
  private async reportRows(scope: ReportScope, range: TimeRange, parts: ReportParts): Promise<Row[]> {
    const split = await this.split(range, parts.bucket);
    const raw = `${inRange(range)} AND NOT (started_at >= ${at(split.rolledFrom)} AND started_at < ${at(split.rolledTo)})`;
    const counted = `view_id IN (SELECT view_id FROM ${this.table('view_decisions')}
      WHERE counted = 1 AND ${scopeFilter(scope)} AND ${raw})`;
    const rolled: string[] = [];
    const fans: string[] = [];
    const tables = [
      ['rollup_days', 'day', dailyPart(split), 'rollup_day_referrers'],
      ['rollup_hours', 'hour', hourlyPart(split), 'rollup_level_referrers'],
    ] as const;
    const { bucket } = parts;
    if (bucket) {
      for (const [table, time, slice] of tables)
        rolled.push(`SELECT toUInt8(${SERIES}) AS part, toString(${bucketExpression(bucket, time)}) AS key,
          ${PARTIAL_COLUMNS} FROM ${newest(this.table(table), time, `${rolledScope(scope)} AND ${slice}`)}`);
      fans.push(`(toUInt8(${SERIES}), toString(${bucketExpression(bucket)}))`);
    }
    if (parts.topVideos > 0) {
      for (const [table, time, slice] of tables)
        rolled.push(`SELECT toUInt8(${VIDEOS}), target_id, ${countsOnly('views', 'counted', 'watched_ms')}
          FROM ${newest(this.table(table), time, `${rolledVideos(scope)} AND ${slice}`)}`);
      fans.push(`(toUInt8(${VIDEOS}), if(target_type = 'video', target_id, ''))`);
    }
    if (parts.topReferrers > 0) {
      for (const [, , slice, table] of tables)
        rolled.push(`SELECT toUInt8(${REFERRERS}), referrer, ${countsOnly('views', 'toUInt64(0)', 'toUInt64(0)')}
          FROM ${this.table(table)} FINAL WHERE ${rolledScope(scope)} AND ${slice}`);
      fans.push(`(toUInt8(${REFERRERS}), referrer)`);
    }
    // Rows of parts 2 and 3 with an empty key: views of no video, views without a referrer.
    const fanned = `SELECT fan.1 AS part, fan.2 AS key, ${PARTIAL_SUMS('sum(is_counted)', `part = ${SERIES}`)}
      FROM ${latestViews(this.table('views'), `${scopeFilter(scope)} AND ${raw}`, counted)}
      ARRAY JOIN [${fans.join(', ')}] AS fan WHERE part = ${SERIES} OR key != ''
      GROUP BY part, key`;
    const top = Math.max(1, parts.topVideos, parts.topReferrers);
    return this.rows(`SELECT slot.1 AS part_of, slot.2 AS label, ${MERGED_SUMS}
      FROM (${[fanned, ...rolled].join('\n      UNION ALL\n      ')})
      ARRAY JOIN if(part = ${SERIES}, [(toUInt8(${TOTALS}), ''), (part, key)], [(part, key)]) AS slot
      GROUP BY part_of, label
      ORDER BY part_of, if(part_of = ${VIDEOS}, counted, views) DESC, watch_time_ms DESC, label
      LIMIT ${top} BY part_of, if(part_of = ${SERIES}, label, '')`);
  }

  private async readReport(scope: ReportScope, range: TimeRange, parts: ReportParts): Promise<ReportSums> {
    const rows = await this.reportRows(scope, range, parts);
    const of = (part: number) => rows.filter((row) => num(row.part_of) === part);
    return {
      totals: toMergedSums(of(TOTALS)[0]),
      series: of(SERIES)
        .map((row) => ({ bucket: new Date(num(row.label) * 1000), ...toMergedSums(row) }))
        .sort((a, b) => a.bucket.getTime() - b.bucket.getTime()),
      topVideos: of(VIDEOS)
        .slice(0, parts.topVideos)
        .map((row) => ({
          videoId: String(row.label),
          countedViews: num(row.counted),
          watchTimeMs: num(row.watch_time_ms),
        })),
      topReferrers: of(REFERRERS)
        .slice(0, parts.topReferrers)
        .map((row) => ({ referrer: String(row.label), views: num(row.views) })),
    };
  }

  async undecidedViews(minWatchedMs: number, limit: number): Promise<ViewCandidate[]> {
    const rows = await this.rows(`SELECT view_id, started_at, target_type, target_id, channel_id, viewer_id
      FROM ${this.table('views')} FINAL
      WHERE watched_ms >= ${Math.floor(minWatchedMs)}
        AND view_id NOT IN (SELECT view_id FROM ${this.table('view_decisions')})
      ORDER BY started_at, view_id LIMIT ${Math.floor(limit)}`);
    return rows.map((row) => ({
      viewId: String(row.view_id),
      startedAt: fromDateTime(row.started_at),
      targetType: row.target_type === 'live' ? 'live' : 'video',
      targetId: String(row.target_id),
      channelId: row.channel_id ? String(row.channel_id) : null,
      viewerId: String(row.viewer_id),
    }));
  }

  async countedStarts(
    pairs: readonly { viewerId: string; targetId: string }[],
    range: TimeRange,
  ): Promise<Map<string, Date[]>> {
    const found = new Map<string, Date[]>();
    if (pairs.length === 0) return found;
    const tuples = pairs.map((p) => `(${quote(p.viewerId)}, ${quote(p.targetId)})`).join(', ');
    const rows =
      await this.rows(`SELECT viewer_id, target_id, started_at FROM ${this.table('view_decisions')} FINAL
      WHERE counted = 1 AND ${inRange(range)} AND (viewer_id, target_id) IN (${tuples})
      ORDER BY started_at`);
    for (const row of rows) {
      const key = pairKey(String(row.viewer_id), String(row.target_id));
      found.set(key, [...(found.get(key) ?? []), fromDateTime(row.started_at)]);
    }
    return found;
  }

  async recordDecisions(decisions: readonly ViewDecision[]): Promise<void> {
    if (decisions.length === 0) return;
    await this.prepare();
    await this.reopen(decisions.map((d) => d.startedAt));
    await this.client.insert({
      table: this.table('view_decisions'),
      format: 'JSONEachRow',
      values: decisions.map((d) => ({
        view_id: d.viewId,
        counted: d.counted ? 1 : 0,
        started_at: dateTime(d.startedAt),
        target_type: d.targetType,
        target_id: d.targetId,
        channel_id: d.channelId ?? '',
        viewer_id: d.viewerId,
      })),
    });
  }

  async countedViews(videoIds: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>(videoIds.map((id) => [id, 0]));
    if (videoIds.length === 0) return counts;
    const rows = await this.rows(`SELECT target_id, count() AS n FROM ${this.table('view_decisions')} FINAL
      WHERE counted = 1 AND target_type = 'video' AND target_id IN (${videoIds.map(quote).join(', ')})
      GROUP BY target_id`);
    for (const row of rows) counts.set(String(row.target_id), num(row.n));
    return counts;
  }

  async totals(scope: ReportScope, range: TimeRange): Promise<MetricSums> {
    return (await this.summary(scope, range, 'day')).totals;
  }

  async series(scope: ReportScope, range: TimeRange, bucket: ReportBucket): Promise<BucketSums[]> {
    return (await this.summary(scope, range, bucket)).series;
  }

  async summary(
    scope: ReportScope,
    range: TimeRange,
    bucket: ReportBucket,
  ): Promise<{ totals: MetricSums; series: BucketSums[] }> {
    const { totals, series } = await this.readReport(scope, range, { bucket, topVideos: 0, topReferrers: 0 });
    return { totals, series };
  }

  async topVideos(scope: ReportScope, range: TimeRange, limit: number): Promise<TopVideo[]> {
    return (await this.readReport(scope, range, { topVideos: limit, topReferrers: 0 })).topVideos;
  }

  async topReferrers(scope: ReportScope, range: TimeRange, limit: number): Promise<TopReferrer[]> {
    return (await this.readReport(scope, range, { topVideos: 0, topReferrers: limit })).topReferrers;
  }

  report(scope: ReportScope, range: TimeRange, bucket: ReportBucket, tops: ReportTops): Promise<ReportSums> {
    return this.readReport(scope, range, { bucket, ...tops });
  }

  async retention(videoId: string, range: TimeRange): Promise<{ views: number; reached: number[] }> {
    const columns = RETENTION_POINTS.map((pct) => `countIf(position_pct >= ${pct}) AS p${pct}`).join(', ');
    const [row] = await this.rows(`SELECT count() AS views, ${columns} FROM ${this.table('views')} FINAL
      WHERE ${scopeFilter({ kind: 'video', id: videoId })} AND ${inRange(range)} AND startup_ms >= 0`);
    return { views: num(row?.views), reached: RETENTION_POINTS.map((pct) => num(row?.[`p${pct}`])) };
  }

  async viewIntervals(liveSessionId: string): Promise<ViewInterval[]> {
    const rows = await this.rows(`SELECT started_at, last_at FROM ${this.table('views')} FINAL
      WHERE ${scopeFilter({ kind: 'live', id: liveSessionId })} ORDER BY started_at`);
    return rows.map((row) => ({
      startedAt: fromDateTime(row.started_at),
      lastAt: fromDateTime(row.last_at),
    }));
  }

  async recordPresenceSamples(samples: readonly PresenceSample[]): Promise<void> {
    if (samples.length === 0) return;
    await this.prepare();
    await this.client.insert({
      table: this.table('presence_samples'),
      format: 'JSONEachRow',
      values: samples.map((sample) => ({
        live_session_id: sample.liveSessionId,
        at: dateTime(sample.at),
        viewers: sample.viewers,
      })),
    });
  }

  async presenceSamples(liveSessionId: string): Promise<Omit<PresenceSample, 'liveSessionId'>[]> {
    // max() settles rows of one tick that the engine has not merged yet (replicas sampling together).
    const rows = await this.rows(`SELECT toUnixTimestamp(at) AS tick, max(viewers) AS most
      FROM ${this.table('presence_samples')} WHERE live_session_id = ${quote(liveSessionId)}
      GROUP BY tick ORDER BY tick`);
    return rows.map((row) => ({ at: new Date(num(row.tick) * 1000), viewers: num(row.most) }));
  }

  async pruneRawEvents(before: Date): Promise<number> {
    await this.prepare();
    const cutoff = Number(before.toISOString().slice(0, 10).replaceAll('-', ''));
    const rows = await this.rows(`SELECT DISTINCT partition FROM system.parts
      WHERE database = ${quote(this.db)} AND table = 'events' AND active`);
    let dropped = 0;
    for (const row of rows) {
      const day = Number(row.partition);
      if (!Number.isInteger(day) || day >= cutoff) continue;
      await this.run(`ALTER TABLE ${this.table('events')} DROP PARTITION ${day}`);
      dropped += 1;
    }
    return dropped;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
