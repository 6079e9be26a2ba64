/**
 * The analytics store on PostgreSQL or PGlite (the default): raw beacons in day partitions of
 * `analytics.events`, folded by `rollUp()` into `analytics.views` (one row per view), and settled days of
 * views into the daily rollups (`rollup_daily`, `rollup_startups`, `rollup_referrers`) that reports read,
 * with the per-view table for the days not folded yet; counted-view decisions in
 * `analytics.view_decisions`.
 */
import type { ReportBucket } from '@streamhub/contracts/analytics';
import type { Db } from '@streamhub/db/client';
import { rowsOf } from '@streamhub/db/rows';
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
  type ReportSums,
  type ReportTops,
  type TimeRange,
  type TopReferrer,
  type TopVideo,
  type ViewCandidate,
  type ViewDecision,
  type ViewInterval,
} from './analytics-store.ts';
import {
  EXACT_VIEWERS,
  HASH_SQL,
  REGISTER_COUNT,
  REGISTER_INDEX_SQL,
  REGISTER_RANK_SQL,
  ViewerSketch,
} from './viewer-sketch.ts';

/** How far back each roll-up looks again: beacons written late by another replica are still folded. */
const ROLLUP_OVERLAP_MS = 5 * 60_000;
const ROLLUP_NAME = 'views';
const DAY_MS = 86_400_000;
const DAILY = 'daily';
/**
 * A view can change for 24 h after it starts (its token's life) and a little longer (buffered beacons):
 * a day whose views all started more than this long ago is settled, and folded into the daily rollups.
 */
const SETTLE_MS = 25 * 3600_000;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const floorDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** Rows per insert statement: one JSON parameter each, so only memory bounds it. */
const INSERT_ROWS = 10_000;

type Row = Record<string, unknown>;

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

/** The rollup rows of a scope: its own key in `rollup_daily`, `rollup_startups` and `rollup_referrers`. */
function rolledKey(scope: ReportScope): SQL {
  switch (scope.kind) {
    case 'video':
    case 'live':
    case 'channel':
      return sql`scope = ${scope.kind} and scope_id = ${scope.id}`;
    case 'instance':
      return sql`scope = 'instance' and scope_id = ${NIL_UUID}`;
  }
}

/** The video rows of `rollup_daily` that lie inside a scope (top videos). */
function rolledVideos(scope: ReportScope): SQL {
  switch (scope.kind) {
    case 'video':
      return sql`scope = 'video' and scope_id = ${scope.id}`;
    case 'live':
      return sql`false`;
    case 'channel':
      return sql`scope = 'video' and channel_id = ${scope.id}`;
    case 'instance':
      return sql`scope = 'video'`;
  }
}

/** Which whole days of a range the rollups answer: `[from, to)` as `YYYY-MM-DD`, empty when equal. */
interface RangeSplit {
  rolledFrom: number;
  rolledTo: number;
}

const rolledDays = (split: RangeSplit) =>
  sql`day >= ${isoDay(split.rolledFrom)}::date and day < ${isoDay(split.rolledTo)}::date`;

/** The part of the range the per-view table answers: two index ranges around the rolled days. */
function rawRange(range: TimeRange, split: RangeSplit): SQL {
  if (split.rolledFrom >= split.rolledTo) return inRange(range);
  const rolledFrom = new Date(split.rolledFrom).toISOString();
  const rolledTo = new Date(split.rolledTo).toISOString();
  return sql`((started_at >= ${range.from.toISOString()} and started_at < ${rolledFrom})
    or (started_at >= ${rolledTo} and started_at < ${range.to.toISOString()}))`;
}

const utcDay = sql.raw(`(started_at at time zone 'UTC')::date`);

/** Per-day sums of one part, summed by bucket in TypeScript. */
interface DayPart {
  day: string;
  views: number;
  counted: number;
  watchedMs: number;
  rebufferCount: number;
  rebufferMs: number;
  failedViews: number;
  exits: number;
  viewers: ViewerSketch;
}

function dayPartOf(row: Row): DayPart {
  const viewers = new ViewerSketch();
  viewers.add({
    hashes: (row.viewers as string[] | null) ?? null,
    registers: (row.registers as Uint8Array | null) ?? null,
  });
  return {
    day: String(row.day),
    views: num(row.views),
    counted: num(row.counted),
    watchedMs: num(row.watched_ms),
    rebufferCount: num(row.rebuffer_count),
    rebufferMs: num(row.rebuffer_ms),
    failedViews: num(row.failed_views),
    exits: num(row.exits),
    viewers,
  };
}

/**
 * CTEs over `source` (rows with the `keys`, `channel_id`, `h` the viewer's hash, and the view's
 * columns) ending in `sketched`: per group the sums, and the viewers as exact hashes (`viewers`) or
 * HyperLogLog registers (`registers`, bytea), see viewer-sketch.ts.
 */
function sketchCtes(source: SQL, keys: readonly string[]): SQL {
  const list = sql.raw(keys.join(', '));
  const joined = sql.raw(keys.map((key) => `q.${key} = s.${key}`).join(' and '));
  return sql`sums as (select ${list}, (array_agg(channel_id))[1] as channel_id, count(*) as views,
      count(*) filter (where counted) as counted, coalesce(sum(watched_ms), 0) as watched_ms,
      coalesce(sum(rebuffer_count), 0) as rebuffer_count, coalesce(sum(rebuffer_ms), 0) as rebuffer_ms,
      count(*) filter (where failed) as failed_views, count(*) filter (where exited_before_start) as exits,
      count(distinct h) as distinct_viewers, array_agg(distinct h) as hashes
    from ${source} group by ${list}),
  ranks as (select ${list}, idx, max(rnk) as rnk
    from (select ${list}, ${sql.raw(REGISTER_INDEX_SQL)} as idx, ${sql.raw(REGISTER_RANK_SQL)} as rnk
      from ${source}) r
    group by ${list}, idx),
  dense as (select ${list} from sums where distinct_viewers > ${EXACT_VIEWERS}),
  registers as (select ${sql.raw(keys.map((key) => `s.${key}`).join(', '))},
      decode(string_agg(lpad(to_hex(coalesce(q.rnk, 0)), 2, '0'), '' order by g.i), 'hex') as registers
    from dense s cross join generate_series(0, ${REGISTER_COUNT - 1}) g(i)
    left join ranks q on ${joined} and q.idx = g.i
    group by ${sql.raw(keys.map((key) => `s.${key}`).join(', '))}),
  sketched as (select s.*, case when s.distinct_viewers <= ${EXACT_VIEWERS} then s.hashes end as viewers,
      r.registers
    from sums s left join registers r using (${list}))`;
}

/** Bucket start (`YYYY-MM-DD`) of a day. */
const bucketOf = (day: string, bucket: 'day' | 'month') => (bucket === 'day' ? day : `${day.slice(0, 8)}01`);

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
    // Tables come from migrations 0015 and 0024; partitions are made as beacons arrive.
  }

  async append(records: readonly BeaconRecord[]): Promise<void> {
    await this.reopen(records.map((r) => r.viewStartedAt));
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

  /**
   * Views or decisions of days that may be folded already (only data from the past: a bench, a test, an
   * import; a player's token dies after 24 h) move the daily watermark back to their day: reports read
   * those days from the per-view table again, and the next roll-up folds them anew.
   */
  private async reopen(starts: readonly Date[]): Promise<void> {
    let earliest = Number.POSITIVE_INFINITY;
    for (const start of starts) earliest = Math.min(earliest, floorDay(start.getTime()));
    if (earliest >= floorDay(Date.now() - SETTLE_MS)) return;
    await this.db.execute(sql`update analytics.rollup_state set watermark = ${new Date(earliest).toISOString()}
      where name = ${DAILY} and watermark > ${new Date(earliest).toISOString()}`);
  }

  async rollUp(): Promise<void> {
    await this.db.transaction(async (tx) => {
      // One roll-up at a time across replicas; the others skip this round.
      const [lock] = rowsOf(
        await tx.execute(sql`select pg_try_advisory_xact_lock(hashtext('analytics.rollup')) as ok`),
      );
      if (!lock?.ok) return;
      await this.foldViews(tx);
      await this.foldDays(tx);
    });
  }

  /** Folds the beacons received since the watermark (less the overlap) into one row per view. */
  private async foldViews(tx: Pick<Db, 'execute'>): Promise<void> {
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
  }

  /**
   * Folds the settled days since the daily watermark into the daily rollups, per video or broadcast, per
   * channel and for the instance, replacing what a day held (a reopened day is folded again).
   */
  private async foldDays(tx: Pick<Db, 'execute'>): Promise<void> {
    const limit = floorDay(Date.now() - SETTLE_MS);
    const [state] = rowsOf(
      await tx.execute(sql`select watermark from analytics.rollup_state where name = ${DAILY}`),
    );
    let from: number;
    if (state) from = date(state.watermark).getTime();
    else {
      const [first] = rowsOf(await tx.execute(sql`select min(started_at) as first from analytics.views`));
      from = first?.first ? floorDay(date(first.first).getTime()) : limit;
    }
    if (from < limit) {
      const days = sql`day >= ${isoDay(from)}::date and day < ${isoDay(limit)}::date`;
      await tx.execute(sql`delete from analytics.rollup_daily where ${days}`);
      await tx.execute(sql`delete from analytics.rollup_startups where ${days}`);
      await tx.execute(sql`delete from analytics.rollup_referrers where ${days}`);
      // Each view counts in its target's row, its channel's and the instance's.
      await tx.execute(sql`with v as materialized (
          select x.scope, x.scope_id, x.channel_id, ${utcDay} as day, ${sql.raw(HASH_SQL)} as h, watched_ms,
            startup_ms, rebuffer_count, rebuffer_ms, failed, exited_before_start, referrer,
            exists (select 1 from analytics.view_decisions d where d.view_id = w.view_id and d.counted) as counted
          from analytics.views w
          cross join lateral (values (w.target_type, w.target_id, w.channel_id), ('channel', w.channel_id, w.channel_id),
            ('instance', ${NIL_UUID}::uuid, null::uuid)) x(scope, scope_id, channel_id)
          where started_at >= ${new Date(from).toISOString()} and started_at < ${new Date(limit).toISOString()}
            and x.scope_id is not null),
        startups as (insert into analytics.rollup_startups (scope, scope_id, day, startup_ms, views)
          select scope, scope_id, day, startup_ms, count(*) from v where startup_ms is not null
          group by scope, scope_id, day, startup_ms),
        referrers as (insert into analytics.rollup_referrers (scope, scope_id, day, referrer, views)
          select scope, scope_id, day, referrer, count(*) from v where referrer <> ''
          group by scope, scope_id, day, referrer),
        ${sketchCtes(sql`v`, ['scope', 'scope_id', 'day'])}
        insert into analytics.rollup_daily (scope, scope_id, day, channel_id, views, counted, watched_ms,
          rebuffer_count, rebuffer_ms, failed_views, exits, viewers, viewer_registers)
        select g.scope, g.scope_id, g.day, g.channel_id, g.views, g.counted, g.watched_ms, g.rebuffer_count,
          g.rebuffer_ms, g.failed_views, g.exits, g.viewers, g.registers
        from sketched g`);
    }
    if (!state || from < limit) {
      // Unless a write reopened a day meanwhile: then the next roll-up folds from there.
      await tx.execute(sql`insert into analytics.rollup_state (name, watermark)
        values (${DAILY}, ${new Date(Math.max(from, limit)).toISOString()})
        on conflict (name) do update set watermark = excluded.watermark
        where analytics.rollup_state.watermark = ${new Date(from).toISOString()}`);
    }
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
    await this.reopen(decisions.map((d) => d.startedAt));
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

  /** Whole days of the range below the daily watermark come from the rollups; the rest from the views. */
  private async split(range: TimeRange): Promise<RangeSplit> {
    const [state] = rowsOf(
      await this.db.execute(sql`select watermark from analytics.rollup_state where name = ${DAILY}`),
    );
    const watermark = state ? date(state.watermark).getTime() : 0;
    const rolledFrom = floorDay(range.from.getTime() + DAY_MS - 1);
    const rolledTo = Math.max(rolledFrom, Math.min(floorDay(range.to.getTime()), watermark));
    return { rolledFrom, rolledTo };
  }

  async totals(scope: ReportScope, range: TimeRange): Promise<MetricSums> {
    return (await this.summaryFromRollups(scope, range, 'day')).totals;
  }

  async series(scope: ReportScope, range: TimeRange, bucket: ReportBucket): Promise<BucketSums[]> {
    return (await this.summary(scope, range, bucket)).series;
  }

  async summary(
    scope: ReportScope,
    range: TimeRange,
    bucket: ReportBucket,
  ): Promise<{ totals: MetricSums; series: BucketSums[] }> {
    // Hour buckets need hours: they read the per-view table (reports of hours are reports of short ranges).
    if (bucket === 'hour') return this.summaryFromViews(scope, range, bucket);
    return this.summaryFromRollups(scope, range, bucket);
  }

  /**
   * Day or month buckets: the rolled whole days of the range, one row each, plus per-day sums of the
   * views outside them; sums and viewer sketches merged by bucket here, startup percentiles from the
   * merged histograms in SQL.
   */
  private async summaryFromRollups(
    scope: ReportScope,
    range: TimeRange,
    bucket: 'day' | 'month',
  ): Promise<{ totals: MetricSums; series: BucketSums[] }> {
    const split = await this.split(range);
    const raw = rawRange(range, split);
    const unit = sql.raw(`'${bucket}'`);
    const [partRows, percentileRows] = await Promise.all([
      this.db.execute(sql`select to_char(day, 'YYYY-MM-DD') as day, views, counted, watched_ms, rebuffer_count,
          rebuffer_ms, failed_views, exits, viewers::text[] as viewers, viewer_registers as registers
        from analytics.rollup_daily where ${rolledKey(scope)} and ${rolledDays(split)}
        union all
        select * from (with v as materialized (
            select ${utcDay} as day, ${sql.raw(HASH_SQL)} as h, channel_id, watched_ms, rebuffer_count,
              rebuffer_ms, failed, exited_before_start,
              exists (select 1 from analytics.view_decisions d where d.view_id = w.view_id and d.counted) as counted
            from analytics.views w where ${scopeFilter(scope)} and ${raw}),
          ${sketchCtes(sql`v`, ['day'])}
          select to_char(day, 'YYYY-MM-DD'), views, counted, watched_ms, rebuffer_count, rebuffer_ms, failed_views,
            exits, viewers::text[], registers from sketched) raw_days`),
      this.db.execute(sql`with h as (
          select day, startup_ms, views as n from analytics.rollup_startups
          where ${rolledKey(scope)} and ${rolledDays(split)}
          union all
          select ${utcDay}, startup_ms, count(*) from analytics.views
          where ${scopeFilter(scope)} and ${raw} and startup_ms is not null group by 1, 2),
        b as (select to_char(date_trunc(${unit}, day), 'YYYY-MM-DD') as bucket, startup_ms, sum(n) as n from h
          group by grouping sets ((to_char(date_trunc(${unit}, day), 'YYYY-MM-DD'), startup_ms), (startup_ms))),
        c as (select bucket, startup_ms, sum(n) over (partition by bucket order by startup_ms) as cum,
            sum(n) over (partition by bucket) as total
          from b)
        select bucket, min(startup_ms) filter (where cum > floor(total * 0.5)) as p50,
          min(startup_ms) filter (where cum > floor(total * 0.95)) as p95, max(total) as startups
        from c group by bucket`),
    ]);
    const percentiles = new Map(
      rowsOf(percentileRows).map((row) => [row.bucket === null ? '' : String(row.bucket), row]),
    );
    const buckets = new Map<string, DayPart>();
    const whole = dayPartOf({ day: '' });
    for (const row of rowsOf(partRows)) {
      const part = dayPartOf(row);
      const key = bucketOf(part.day, bucket);
      let sums = buckets.get(key);
      if (!sums) {
        sums = dayPartOf({ day: key });
        buckets.set(key, sums);
      }
      for (const into of [sums, whole]) {
        into.views += part.views;
        into.counted += part.counted;
        into.watchedMs += part.watchedMs;
        into.rebufferCount += part.rebufferCount;
        into.rebufferMs += part.rebufferMs;
        into.failedViews += part.failedViews;
        into.exits += part.exits;
        into.viewers.merge(part.viewers);
      }
    }
    const toMetric = (part: DayPart, key: string): MetricSums => {
      const startups = percentiles.get(key);
      return {
        views: part.views,
        countedViews: part.counted,
        uniqueViewers: part.viewers.count(),
        watchTimeMs: part.watchedMs,
        startupP50Ms: numOrNull(startups?.p50),
        startupP95Ms: numOrNull(startups?.p95),
        rebufferCount: part.rebufferCount,
        rebufferMs: part.rebufferMs,
        failedViews: part.failedViews,
        exitsBeforeStart: part.exits,
      };
    };
    const series = [...buckets.values()]
      .sort((x, y) => (x.day < y.day ? -1 : 1))
      .map((part) => ({ bucket: new Date(`${part.day}T00:00:00Z`), ...toMetric(part, part.day) }));
    return { totals: toMetric(whole, ''), series };
  }

  /**
   * Totals and series in one pass over the views (GROUPING SETS: each bucket, and the whole range),
   * each group's startup times sorted once for both percentiles; counted views likewise.
   */
  private async summaryFromViews(
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
    const split = await this.split(range);
    const rows = rowsOf(
      await this.db.execute(sql`select target_id, sum(counted) as counted, sum(watched) as watched from (
          select scope_id as target_id, counted, watched_ms as watched from analytics.rollup_daily
          where ${rolledVideos(scope)} and ${rolledDays(split)}
          union all
          select target_id, count(*) filter (where exists (select 1 from analytics.view_decisions d
              where d.view_id = w.view_id and d.counted)), coalesce(sum(watched_ms), 0)
          from analytics.views w
          where target_type = 'video' and ${scopeFilter(scope)} and ${rawRange(range, split)}
          group by target_id) x
        group by target_id order by counted desc, watched desc, target_id limit ${limit}`),
    );
    return rows.map((row) => ({
      videoId: String(row.target_id),
      countedViews: num(row.counted),
      watchTimeMs: num(row.watched),
    }));
  }

  async topReferrers(scope: ReportScope, range: TimeRange, limit: number): Promise<TopReferrer[]> {
    const split = await this.split(range);
    const rows = rowsOf(
      await this.db.execute(sql`select referrer, sum(views) as views from (
          select referrer, views from analytics.rollup_referrers where ${rolledKey(scope)} and ${rolledDays(split)}
          union all
          select referrer, count(*) from analytics.views
          where referrer <> '' and ${scopeFilter(scope)} and ${rawRange(range, split)} group by referrer) x
        group by referrer order by views desc, referrer limit ${limit}`),
    );
    return rows.map((row) => ({ referrer: String(row.referrer), views: num(row.views) }));
  }

  /** The three parts in parallel: each reads only its own rollups and views (PostgreSQL has no cheaper one pass). */
  async report(
    scope: ReportScope,
    range: TimeRange,
    bucket: ReportBucket,
    tops: ReportTops,
  ): Promise<ReportSums> {
    const [{ totals, series }, topVideos, topReferrers] = await Promise.all([
      this.summary(scope, range, bucket),
      tops.topVideos > 0 ? this.topVideos(scope, range, tops.topVideos) : [],
      tops.topReferrers > 0 ? this.topReferrers(scope, range, tops.topReferrers) : [],
    ]);
    return { totals, series, topVideos, topReferrers };
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
