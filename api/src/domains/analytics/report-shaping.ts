/**
 * Turns the store's sums into the report clients read: percentages, averages, buckets without views
 * filled with zeros, retention shares, the concurrent-viewer series of a broadcast, and CSV.
 */
import {
  HEARTBEAT_SECONDS,
  MAX_REPORT_BUCKETS,
  type Metrics,
  type Report,
  type ReportBucket,
} from '@streamhub/contracts/analytics';
import { validationFailed } from '@streamhub/errors/app-error';
import {
  type BucketSums,
  emptySums,
  type MetricSums,
  RETENTION_POINTS,
  type ViewInterval,
} from './analytics-store.ts';

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

export function toMetrics(sums: MetricSums): Metrics {
  const { rebufferMs, ...rest } = sums;
  // Mux's rebuffering percentage: time spent rebuffering over the time spent watching it took.
  const watchedOrStalled = sums.watchTimeMs + rebufferMs;
  return {
    ...rest,
    averageViewDurationMs: sums.views > 0 ? Math.round(sums.watchTimeMs / sums.views) : 0,
    rebufferPct: watchedOrStalled > 0 ? round((rebufferMs / watchedOrStalled) * 100, 2) : 0,
    failurePct: sums.views > 0 ? round((sums.failedViews / sums.views) * 100, 2) : 0,
  };
}

/** The start of the UTC bucket holding `at`. */
export function bucketStart(at: Date, bucket: ReportBucket): Date {
  const d = new Date(at);
  if (bucket === 'month') return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
  if (bucket === 'day') return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours()));
}

function nextBucket(at: Date, bucket: ReportBucket): Date {
  if (bucket === 'month') return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
  return new Date(at.getTime() + (bucket === 'day' ? 86_400_000 : 3_600_000));
}

/** Every bucket of the range, oldest first; refuses ranges of more than MAX_REPORT_BUCKETS. */
export function bucketsOf(from: Date, to: Date, bucket: ReportBucket): Date[] {
  const buckets: Date[] = [];
  for (let at = bucketStart(from, bucket); at < to; at = nextBucket(at, bucket)) {
    buckets.push(at);
    if (buckets.length > MAX_REPORT_BUCKETS) {
      throw validationFailed([
        { path: 'query.bucket', message: `must give at most ${MAX_REPORT_BUCKETS} buckets over the range` },
      ]);
    }
  }
  return buckets;
}

export function fillSeries(buckets: readonly Date[], sums: readonly BucketSums[]): Report['series'] {
  const byTime = new Map(sums.map((point) => [point.bucket.getTime(), point]));
  return buckets.map((bucket) => {
    const { bucket: _, ...sums } = byTime.get(bucket.getTime()) ?? { bucket, ...emptySums() };
    return { bucket: bucket.toISOString(), ...toMetrics(sums) };
  });
}

export function retentionCurve(views: number, reached: readonly number[]): NonNullable<Report['retention']> {
  return RETENTION_POINTS.map((pct, i) => ({
    pct,
    share: views > 0 ? round((reached[i] ?? 0) / views, 4) : 0,
  }));
}

/**
 * Concurrent viewers every HEARTBEAT_SECONDS, from the first view's start or presence sample to the last
 * beacon or sample. Each tick takes the higher of two witnesses: the presence sample (distinct viewers of
 * `/ws`, players' heartbeats and live views' beacons, which presence already merges by viewer) and the
 * views whose beacons span the tick. The beacons' count covers ticks no gateway sampled (a restart, or
 * data from before sampling existed); presence adds the viewers that send no beacons.
 */
export function concurrency(
  intervals: readonly ViewInterval[],
  samples: readonly { at: Date; viewers: number }[] = [],
): NonNullable<Report['concurrency']> {
  if (intervals.length === 0 && samples.length === 0) return { peak: 0, samples: [] };
  const step = HEARTBEAT_SECONDS * 1000;
  const starts = [...intervals.map((v) => v.startedAt.getTime()), ...samples.map((s) => s.at.getTime())];
  const ends = [...intervals.map((v) => v.lastAt.getTime()), ...samples.map((s) => s.at.getTime())];
  const first = Math.floor(Math.min(...starts) / step) * step;
  const last = Math.max(...ends);
  const present = new Map(samples.map((s) => [Math.floor(s.at.getTime() / step) * step, s.viewers]));
  const series: { at: string; viewers: number }[] = [];
  let peak = 0;
  for (let at = first; at <= last; at += step) {
    // Watching at `at`: started by then and still sending beacons (the last one not before `at`).
    const beaconing = intervals.filter((v) => v.startedAt.getTime() <= at && v.lastAt.getTime() >= at).length;
    const viewers = Math.max(beaconing, present.get(at) ?? 0);
    peak = Math.max(peak, viewers);
    series.push({ at: new Date(at).toISOString(), viewers });
  }
  return { peak, samples: series };
}

const CSV_COLUMNS = [
  'bucket',
  'views',
  'countedViews',
  'uniqueViewers',
  'watchTimeMs',
  'averageViewDurationMs',
  'startupP50Ms',
  'startupP95Ms',
  'rebufferCount',
  'rebufferPct',
  'failedViews',
  'failurePct',
  'exitsBeforeStart',
] as const;

/** The report's series as CSV (RFC 4180), one row per bucket. */
export function reportCsv(report: Report): string {
  const rows = report.series.map((point) =>
    CSV_COLUMNS.map((column) => {
      const value = point[column];
      return value === null ? '' : String(value);
    }).join(','),
  );
  return `${[CSV_COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
}
