/**
 * The analytics store on PostgreSQL or PGlite (the default): raw beacons in day partitions of
 * `analytics.events`, folded by `rollUp()` into `analytics.views` (one row per view), which every report
 * reads; counted-view decisions in `analytics.view_decisions`.
 */
import type { ReportBucket } from '@streamhub/contracts/analytics';
import type { Db } from '@streamhub/db/client';
import { type SQL, sql } from 'drizzle-orm';
import {
  type AnalyticsStore,
  type BeaconRecord,
  type BucketSums,
  type MetricSums,
  type PresenceSample,
  pairKey,
  RETENTION_POINTS,
  type ReportScope,
  type TimeRange,
  type TopReferrer,
  type TopVideo,
  type ViewCandidate,
  type ViewDecision,
  type ViewInterval,
} from './analytics-store.ts';

/** How far back each roll-up looks again: beacons written late by another replica are still folded. */
const ROLLUP_OVERLAP_MS = 5 * 60_000;
const ROLLUP_NAME = 'views';
const DAY_MS = 86_400_000;
/** Rows per insert statement: one JSON parameter each, so only memory bounds it. */
const INSERT_ROWS = 10_000;

type Row = Record<string, unknown>;

/** postgres-js answers an array of rows, PGlite an object holding them. */
function rowsOf(result: unknown): Row[] {
  if (Array.isArray(result)) return result as Row[];
  return ((result as { rows?: Row[] }).rows ?? []) as Row[];
}

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const numOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);
const date = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)));

const dayName = (day: Date) => day.toISOString().slice(0, 10).replaceAll('-', '');

function scopeFilter(scope: ReportScope): SQL {
  switch (scope.kind) {
    case 'video':
      return sql`target_type = 'video' and target_id = ${scope.id}`;
    case 'live':
      return sql`target_type = 'live' and target_id = ${scope.id}`;
    case 'channel':
      return sql`channel_id = ${scope.id}`;
    case 'instance':
      return sql`true`;
  }
}

const inRange = (range: TimeRange) =>
  sql`started_at >= ${range.from.toISOString()} and started_at < ${range.to.toISOString()}`;

const VIEW_SUMS = sql`count(*) as views,
  count(distinct viewer_id) as unique_viewers,
  coalesce(sum(watched_ms), 0) as watch_time_ms,
  (array_agg(startup_ms order by startup_ms) filter (where startup_ms is not null))[floor(count(startup_ms) * 0.5)::int + 1] as startup_p50,
  (array_agg(startup_ms order by startup_ms) filter (where startup_ms is not null))[floor(count(startup_ms) * 0.95)::int + 1] as startup_p95,
  coalesce(sum(rebuffer_count), 0) as rebuffer_count,
  coalesce(sum(rebuffer_ms), 0) as rebuffer_ms,
  count(*) filter (where failed) as failed_views,
  count(*) filter (where exited_before_start) as exits_before_start`;

function toSums(row: Row | undefined, countedViews: number): MetricSums {
  return {
    views: num(row?.views),
    countedViews,
    uniqueViewers: num(row?.unique_viewers),
    watchTimeMs: num(row?.watch_time_ms),
    startupP50Ms: numOrNull(row?.startup_p50),
    startupP95Ms: numOrNull(row?.startup_p95),
    rebufferCount: num(row?.rebuffer_count),
    rebufferMs: num(row?.rebuffer_ms),
    failedViews: num(row?.failed_views),
    exitsBeforeStart: num(row?.exits_before_start),
  };
}

export class PostgresAnalyticsStore implements AnalyticsStore {
  readonly name = 'postgres';
  /** Day partitions known to exist, so a flush creates each at most once per process. */
  private readonly partitions = new Set<string>();

  constructor(private readonly db: Db) {}

  async prepare(): Promise<void> {
    // Tables come from migration 0015; partitions are made as beacons arrive.
  }

  async append(records: readonly BeaconRecord[]): Promise<void> {
    const days = new Set<number>();
    for (const record of records) days.add(Math.floor(record.receivedAt.getTime() / DAY_MS));
    for (const day of days) await this.ensurePartition(new Date(day * DAY_MS));
    for (let start = 0; start < records.length; start += INSERT_ROWS) {
      await this.insertEvents(records.slice(start, start + INSERT_ROWS));
    }
  }

  /**
   * One parameter for the whole batch: the rows as JSON, unpacked by `json_to_recordset`. Building a
   * statement of 20 parameters a row cost the gateway more CPU than the database spent inserting them
   * (docs/benchmarks.md, Analytics).
   */
  private async insertEvents(records: readonly BeaconRecord[]): Promise<void> {
    const rows = JSON.stringify(
      records.map((r) => ({
        view_id: r.viewId,
        seq: r.seq,
        event: r.event,
        received_at: r.receivedAt.toISOString(),
        view_started_at: r.viewStartedAt.toISOString(),
        target_type: r.targetType,
        target_id: r.targetId,
        channel_id: r.channelId,
        viewer_id: r.viewerId,
        referrer: r.referrer,
        device: r.device,
        watched_ms: r.watchedMs,
        position_pct: r.positionPct,
        rendition: r.rendition,
        startup_ms: r.startupMs,
        rebuffer_count: r.rebufferCount,
        rebuffer_ms: r.rebufferMs,
        rendition_switches: r.renditionSwitches,
        failed: r.failed,
        error_code: r.errorCode,
      })),
    );
    await this.db.execute(sql`insert into analytics.events (view_id, seq, event, received_at, view_started_at,
      target_type, target_id, channel_id, viewer_id, referrer, device, watched_ms, position_pct, rendition,
      startup_ms, rebuffer_count, rebuffer_ms, rendition_switches, failed, error_code)
      select * from json_to_recordset(${rows}::json) as r(view_id uuid, seq integer, event text,
        received_at timestamptz, view_started_at timestamptz, target_type text, target_id uuid, channel_id uuid,
        viewer_id text, referrer text, device text, watched_ms bigint, position_pct real, rendition text,
        startup_ms integer, rebuffer_count integer, rebuffer_ms bigint, rendition_switches integer,
        failed boolean, error_code text)`);
  }

  private async ensurePartition(at: Date): Promise<void> {
    const start = new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
    const name = dayName(start);
    if (this.partitions.has(name)) return;
    const end = new Date(start.getTime() + DAY_MS);
    try {
      await this.db.execute(
        sql.raw(`create table if not exists analytics.events_${name} partition of analytics.events
          for values from ('${start.toISOString()}') to ('${end.toISOString()}')`),
      );
    } catch (error) {
      // Another replica created it between our check and our create.
      if (!/already exists/.test(String((error as Error).message))) throw error;
    }
    this.partitions.add(name);
  }

  async rollUp(): Promise<void> {
    await this.db.transaction(async (tx) => {
      // One roll-up at a time across replicas; the others skip this round.
      const [lock] = rowsOf(
        await tx.execute(sql`select pg_try_advisory_xact_lock(hashtext('analytics.rollup')) as ok`),
      );
      if (!lock?.ok) return;
      const [state] = rowsOf(
        await tx.execute(sql`select watermark from analytics.rollup_state where name = ${ROLLUP_NAME}`),
      );
      const since = state ? new Date(date(state.watermark).getTime() - ROLLUP_OVERLAP_MS) : new Date(0);
      const [top] = rowsOf(
        await tx.execute(
          sql`select max(received_at) as top from analytics.events where received_at >= ${since.toISOString()}`,
        ),
      );
      if (!top?.top) return;
      await tx.execute(sql`insert into analytics.views (view_id, seq, started_at, last_at, target_type, target_id,
          channel_id, viewer_id, referrer, device, watched_ms, position_pct, rendition, startup_ms, rebuffer_count,
          rebuffer_ms, rendition_switches, failed, error_code, exited_before_start)
        select distinct on (view_id) view_id, seq, view_started_at, received_at, target_type, target_id, channel_id,
          viewer_id, referrer, device, watched_ms, position_pct, rendition, startup_ms, rebuffer_count, rebuffer_ms,
          rendition_switches, failed, error_code, (event = 'exit' and startup_ms is null)
        from analytics.events where received_at >= ${since.toISOString()}
        order by view_id, seq desc, received_at desc
        on conflict (view_id) do update set seq = excluded.seq, last_at = excluded.last_at,
          referrer = excluded.referrer, watched_ms = excluded.watched_ms, position_pct = excluded.position_pct,
          rendition = excluded.rendition, startup_ms = excluded.startup_ms, rebuffer_count = excluded.rebuffer_count,
          rebuffer_ms = excluded.rebuffer_ms, rendition_switches = excluded.rendition_switches,
          failed = excluded.failed, error_code = excluded.error_code, exited_before_start = excluded.exited_before_start
        where analytics.views.seq < excluded.seq`);
      await tx.execute(sql`insert into analytics.rollup_state (name, watermark)
        values (${ROLLUP_NAME}, ${date(top.top).toISOString()})
        on conflict (name) do update set watermark = greatest(analytics.rollup_state.watermark, excluded.watermark)`);
    });
  }

  async undecidedViews(minWatchedMs: number, limit: number): Promise<ViewCandidate[]> {
    const rows = rowsOf(
      await this.db.execute(sql`select v.view_id, v.started_at, v.target_type, v.target_id, v.channel_id, v.viewer_id
        from analytics.views v
        where v.watched_ms >= ${minWatchedMs}
          and not exists (select 1 from analytics.view_decisions d where d.view_id = v.view_id)
        order by v.started_at, v.view_id limit ${limit}`),
    );
    return rows.map((row) => ({
      viewId: String(row.view_id),
      startedAt: date(row.started_at),
      targetType: row.target_type === 'live' ? 'live' : 'video',
      targetId: String(row.target_id),
      channelId: row.channel_id === null ? null : String(row.channel_id),
      viewerId: String(row.viewer_id),
    }));
  }

  async countedStarts(
    pairs: readonly { viewerId: string; targetId: string }[],
    range: TimeRange,
  ): Promise<Map<string, Date[]>> {
    const found = new Map<string, Date[]>();
    if (pairs.length === 0) return found;
    const keys = pairs.map((p) => sql`(${p.viewerId}, ${p.targetId}::uuid)`);
    const rows = rowsOf(
      await this.db.execute(sql`select viewer_id, target_id, started_at from analytics.view_decisions
        where counted and ${inRange(range)} and (viewer_id, target_id) in (${sql.join(keys, sql`, `)})
        order by started_at`),
    );
    for (const row of rows) {
      const key = pairKey(String(row.viewer_id), String(row.target_id));
      found.set(key, [...(found.get(key) ?? []), date(row.started_at)]);
    }
    return found;
  }

  async recordDecisions(decisions: readonly ViewDecision[]): Promise<void> {
    if (decisions.length === 0) return;
    const values = decisions.map(
      (d) =>
        sql`(${d.viewId}, ${d.counted}, ${d.startedAt.toISOString()}, ${d.targetType}, ${d.targetId}, ${d.channelId}, ${d.viewerId})`,
    );
    await this.db.execute(sql`insert into analytics.view_decisions
      (view_id, counted, started_at, target_type, target_id, channel_id, viewer_id)
      values ${sql.join(values, sql`, `)} on conflict (view_id) do nothing`);
  }

  async countedViews(videoIds: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>(videoIds.map((id) => [id, 0]));
    if (videoIds.length === 0) return counts;
    const ids = videoIds.map((id) => sql`${id}::uuid`);
    const rows = rowsOf(
      await this.db.execute(sql`select target_id, count(*) as n from analytics.view_decisions
        where counted and target_type = 'video' and target_id in (${sql.join(ids, sql`, `)})
        group by target_id`),
    );
    for (const row of rows) counts.set(String(row.target_id), num(row.n));
    return counts;
  }

  async totals(scope: ReportScope, range: TimeRange): Promise<MetricSums> {
    const [row] = rowsOf(
      await this.db.execute(
        sql`select ${VIEW_SUMS} from analytics.views where ${scopeFilter(scope)} and ${inRange(range)}`,
      ),
    );
    const [counted] = rowsOf(
      await this.db.execute(sql`select count(*) as n from analytics.view_decisions
        where counted and ${scopeFilter(scope)} and ${inRange(range)}`),
    );
    return toSums(row, num(counted?.n));
  }

  async series(scope: ReportScope, range: TimeRange, bucket: ReportBucket): Promise<BucketSums[]> {
    const unit = sql.raw(`'${bucket}'`);
    const rows = rowsOf(
      await this.db.execute(sql`select date_trunc(${unit}, started_at, 'UTC') as bucket, ${VIEW_SUMS}
        from analytics.views where ${scopeFilter(scope)} and ${inRange(range)}
        group by 1 order by 1`),
    );
    const counted = rowsOf(
      await this.db.execute(sql`select date_trunc(${unit}, started_at, 'UTC') as bucket, count(*) as n
        from analytics.view_decisions where counted and ${scopeFilter(scope)} and ${inRange(range)}
        group by 1`),
    );
    const countedByBucket = new Map(counted.map((row) => [date(row.bucket).getTime(), num(row.n)]));
    return rows.map((row) => ({
      bucket: date(row.bucket),
      ...toSums(row, countedByBucket.get(date(row.bucket).getTime()) ?? 0),
    }));
  }

  /**
   * Totals and series in one pass over the views (GROUPING SETS: each bucket, and the whole range),
   * each group's startup times sorted once for both percentiles; counted views likewise.
   */
  async summary(
    scope: ReportScope,
    range: TimeRange,
    bucket: ReportBucket,
  ): Promise<{ totals: MetricSums; series: BucketSums[] }> {
    const unit = sql.raw(`'${bucket}'`);
    const [rows, counted] = await Promise.all([
      this.db.execute(sql`select bucket, whole, views, unique_viewers, watch_time_ms,
          startups[floor(started * 0.5)::int + 1] as startup_p50,
          startups[floor(started * 0.95)::int + 1] as startup_p95,
          rebuffer_count, rebuffer_ms, failed_views, exits_before_start
        from (select date_trunc(${unit}, started_at, 'UTC') as bucket,
            grouping(date_trunc(${unit}, started_at, 'UTC')) as whole,
            count(*) as views, count(distinct viewer_id) as unique_viewers,
            coalesce(sum(watched_ms), 0) as watch_time_ms,
            array_agg(startup_ms order by startup_ms) filter (where startup_ms is not null) as startups,
            count(startup_ms) as started,
            coalesce(sum(rebuffer_count), 0) as rebuffer_count, coalesce(sum(rebuffer_ms), 0) as rebuffer_ms,
            count(*) filter (where failed) as failed_views,
            count(*) filter (where exited_before_start) as exits_before_start
          from analytics.views where ${scopeFilter(scope)} and ${inRange(range)}
          group by grouping sets ((date_trunc(${unit}, started_at, 'UTC')), ())) grouped`),
      this.db.execute(sql`select date_trunc(${unit}, started_at, 'UTC') as bucket,
          grouping(date_trunc(${unit}, started_at, 'UTC')) as whole, count(*) as n
        from analytics.view_decisions where counted and ${scopeFilter(scope)} and ${inRange(range)}
        group by grouping sets ((date_trunc(${unit}, started_at, 'UTC')), ())`),
    ]);
    const countedRows = rowsOf(counted);
    const countedTotal = num(countedRows.find((row) => num(row.whole) === 1)?.n);
    const countedByBucket = new Map(
      countedRows
        .filter((row) => num(row.whole) === 0)
        .map((row) => [date(row.bucket).getTime(), num(row.n)]),
    );
    const all = rowsOf(rows);
    const series = all
      .filter((row) => num(row.whole) === 0)
      .map((row) => ({
        bucket: date(row.bucket),
        ...toSums(row, countedByBucket.get(date(row.bucket).getTime()) ?? 0),
      }))
      .sort((x, y) => x.bucket.getTime() - y.bucket.getTime());
    return {
      totals: toSums(
        all.find((row) => num(row.whole) === 1),
        countedTotal,
      ),
      series,
    };
  }

  async topVideos(scope: ReportScope, range: TimeRange, limit: number): Promise<TopVideo[]> {
    const rows = rowsOf(
      await this.db.execute(sql`with v as (
          select view_id, target_id, watched_ms from analytics.views
          where target_type = 'video' and ${scopeFilter(scope)} and ${inRange(range)})
        select v.target_id, count(d.view_id) as counted, coalesce(sum(v.watched_ms), 0) as watched
        from v left join analytics.view_decisions d on d.view_id = v.view_id and d.counted
        group by v.target_id order by counted desc, watched desc, v.target_id limit ${limit}`),
    );
    return rows.map((row) => ({
      videoId: String(row.target_id),
      countedViews: num(row.counted),
      watchTimeMs: num(row.watched),
    }));
  }

  async topReferrers(scope: ReportScope, range: TimeRange, limit: number): Promise<TopReferrer[]> {
    const rows = rowsOf(
      await this.db.execute(sql`select referrer, count(*) as views from analytics.views
        where referrer <> '' and ${scopeFilter(scope)} and ${inRange(range)}
        group by referrer order by views desc, referrer limit ${limit}`),
    );
    return rows.map((row) => ({ referrer: String(row.referrer), views: num(row.views) }));
  }

  async retention(videoId: string, range: TimeRange): Promise<{ views: number; reached: number[] }> {
    const columns = RETENTION_POINTS.map((pct) =>
      sql.raw(`count(*) filter (where position_pct >= ${pct}) as p${pct}`),
    );
    const [row] = rowsOf(
      await this.db.execute(sql`select count(*) as views, ${sql.join(columns, sql`, `)} from analytics.views
        where ${scopeFilter({ kind: 'video', id: videoId })} and ${inRange(range)} and startup_ms is not null`),
    );
    return { views: num(row?.views), reached: RETENTION_POINTS.map((pct) => num(row?.[`p${pct}`])) };
  }

  async viewIntervals(liveSessionId: string): Promise<ViewInterval[]> {
    const rows = rowsOf(
      await this.db.execute(sql`select started_at, last_at from analytics.views
        where target_type = 'live' and target_id = ${liveSessionId} order by started_at`),
    );
    return rows.map((row) => ({ startedAt: date(row.started_at), lastAt: date(row.last_at) }));
  }

  async recordPresenceSamples(samples: readonly PresenceSample[]): Promise<void> {
    if (samples.length === 0) return;
    const values = samples.map(
      (sample) => sql`(${sample.liveSessionId}, ${sample.at.toISOString()}, ${sample.viewers})`,
    );
    await this.db.execute(sql`insert into analytics.presence_samples (live_session_id, at, viewers)
      values ${sql.join(values, sql`, `)}
      on conflict (live_session_id, at) do update set viewers = greatest(analytics.presence_samples.viewers, excluded.viewers)`);
  }

  async presenceSamples(liveSessionId: string): Promise<Omit<PresenceSample, 'liveSessionId'>[]> {
    const rows = rowsOf(
      await this.db.execute(sql`select at, viewers from analytics.presence_samples
        where live_session_id = ${liveSessionId} order by at`),
    );
    return rows.map((row) => ({ at: date(row.at), viewers: num(row.viewers) }));
  }

  async pruneRawEvents(before: Date): Promise<number> {
    const rows = rowsOf(
      await this.db.execute(sql`select c.relname as name from pg_inherits i
        join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
        join pg_namespace n on n.oid = p.relnamespace
        where n.nspname = 'analytics' and p.relname = 'events'`),
    );
    const cutoff = dayName(new Date(Math.floor(before.getTime() / DAY_MS) * DAY_MS));
    let dropped = 0;
    for (const { name } of rows) {
      const day = /^events_(\d{8})$/.exec(String(name))?.[1];
      // A partition holds one day: it may go once the whole day lies before the cut-off.
      if (!day || day >= cutoff) continue;
      await this.db.execute(sql.raw(`drop table if exists analytics.events_${day}`));
      this.partitions.delete(day);
      dropped += 1;
    }
    return dropped;
  }

  async close(): Promise<void> {
    // The database belongs to the process.
  }
}
