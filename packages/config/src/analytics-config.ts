/**
 * Analytics settings (docs/analytics.md): which analytics store runs, the counted-view threshold,
 * how long raw beacons are kept and how many beacons one view may send. Parsed as part of the one process config (`config.ts` spreads
 * {@link analyticsEnv} into its schema).
 */
import { z } from 'zod';

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const wholeNumber = (fallback: number, unit: string, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `must be a whole number of ${unit}`)
    .transform(Number)
    .pipe(z.number().int().min(1, `must be 1 to ${max} ${unit}`).max(max, `must be 1 to ${max} ${unit}`))
    .default(fallback);

export const analyticsEnv = {
  ANALYTICS_CLICKHOUSE_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .trim()
      .refine((value) => {
        try {
          const url = new URL(value);
          return (
            (url.protocol === 'http:' || url.protocol === 'https:') &&
            /^\/?[A-Za-z0-9_]*\/?$/.test(url.pathname)
          );
        } catch {
          return false;
        }
      }, 'must be an http(s) URL of a ClickHouse server, optionally naming a database (http://host:8123/streamhub)')
      .optional(),
  ),
  ANALYTICS_VIEW_MIN_SECONDS: wholeNumber(5, 'seconds', 3600),
  ANALYTICS_RAW_RETENTION_DAYS: wholeNumber(30, 'days', 3650),
  ANALYTICS_BEACONS_PER_VIEW: wholeNumber(10, 'beacons', 1_000_000_000),
};

type AnalyticsEnv = z.output<z.ZodObject<typeof analyticsEnv>>;

export interface AnalyticsConfig {
  /** ClickHouse's HTTP URL (its path names the database); unset → the analytics store is PostgreSQL. */
  clickhouseUrl: string | undefined;
  /** A view counts once it has watched this long. */
  countedViewSeconds: number;
  /** Raw beacons are dropped after this many days (whole days); views and their rollups stay. */
  rawRetentionDays: number;
  /** Beacons one view may send per 10 s window (the per-view limit that replaces the per-address one). */
  beaconsPerView: number;
}

export function analyticsConfig(e: AnalyticsEnv): AnalyticsConfig {
  return {
    clickhouseUrl: e.ANALYTICS_CLICKHOUSE_URL,
    countedViewSeconds: e.ANALYTICS_VIEW_MIN_SECONDS,
    rawRetentionDays: e.ANALYTICS_RAW_RETENTION_DAYS,
    beaconsPerView: e.ANALYTICS_BEACONS_PER_VIEW,
  };
}
