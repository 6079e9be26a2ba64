/**
 * The 30-day channel report at scale (issue 16): `--events` raw beacons (default 10 million: views of 10
 * beacons over 30 days, on 50 videos of one channel) generated inside each store in bulk (the anchor: as
 * fast as the store takes them), folded by the store's own roll-up, then the report as
 * `GET /api/v1/analytics/channels/{slug}/report` runs it (totals with the daily series, top videos
 * and referrers, one store call as the route makes it), median of 5 after one warm-up. On ClickHouse the
 * server's own figures for those queries follow (system.query_log: duration, rows read, CPU).
 *
 *   node --import tsx bench/analytics/reports.ts [--events 10000000] [--stores postgres,clickhouse]
 *     [--database-url postgres://…] [--clickhouse-url http://…/db] [--load]
 * Given URLs are measured as they are (a store loaded before) unless `--load`.
 */
import { parseArgs } from 'node:util';
import { createClient } from '@clickhouse/client';
import { type Database, openDatabase } from '@streamhub/db/client';
import { migrateDatabase } from '@streamhub/db/migrate';
import { createScratchPostgresDatabase } from '@streamhub/db/testing';
import { sql } from 'drizzle-orm';
import type { AnalyticsStore } from '../../api/src/domains/analytics/analytics-store.ts';
import { ClickHouseAnalyticsStore } from '../../api/src/domains/analytics/clickhouse-store.ts';
import { PostgresAnalyticsStore } from '../../api/src/domains/analytics/postgres-store.ts';
import { startTestClickHouse } from '../../api/src/domains/analytics/testing/clickhouse-server.ts';
import { loadAverages } from '../live/proc.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    stores: { type: 'string', default: 'postgres,clickhouse' },
    'database-url': { type: 'string' },
    'clickhouse-url': { type: 'string' },
    load: { type: 'boolean', default: false },
  },
  strict: true,
});
const events = Number(values.events);
const views = Math.ceil(events / 10);
const stores = values.stores.split(',');
const log = (line: string) => process.stderr.write(`${line}\n`);
const DAY_MS = 86_400_000;
// A fixed channel and range, so that a loaded store can be measured again.
const CHANNEL = '00000000-0000-4000-8000-00000000c0de';
const END = new Date(Math.ceil(Date.now() / DAY_MS) * DAY_MS);
const FROM = new Date(END.getTime() - 30 * DAY_MS);
const RANGE = { from: FROM, to: END };
// Viewers come back: about three views each over the month.
const VIEWERS = Math.max(1, Math.floor(views / 3));
const seconds = (ms: number) => (ms / 1000).toFixed(1);

log(
  `${process.versions.bun ? `Bun ${process.versions.bun}` : `Node ${process.versions.node}`}; load ${loadAverages().join(', ')}`,
);

async function report(store: AnalyticsStore): Promise<{ ms: number[]; views: number }> {
  const scope = { kind: 'channel', id: CHANNEL } as const;
  const ms: number[] = [];
  let seen = 0;
  for (let round = 0; round < 6; round += 1) {
    const began = performance.now();
    const { totals } = await store.report(scope, RANGE, 'day', { topVideos: 10, topReferrers: 10 });
    if (round > 0) ms.push(performance.now() - began);
    seen = totals.views;
  }
  return { ms, views: seen };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/**
 * Generates the beacons inside PostgreSQL, 100,000 views at a time, each batch folded into the per-view
 * table as the gateway's 5 s roll-up would have folded it (one fold of the whole month would lay the
 * views out in the table in view-id order, scattering every day's views over the whole table, which no
 * running instance does). The daily rollups are then folded once, by the timed roll-up.
 */
async function loadPostgres(database: Database, store: AnalyticsStore): Promise<number> {
  const began = performance.now();
  for (let day = 0; day <= 30; day += 1) {
    const start = new Date(FROM.getTime() + day * DAY_MS);
    const name = start.toISOString().slice(0, 10).replaceAll('-', '');
    await database.db.execute(
      sql.raw(`create table if not exists analytics.events_${name} partition of analytics.events
        for values from ('${start.toISOString()}') to ('${new Date(start.getTime() + DAY_MS).toISOString()}')`),
    );
  }
  const chunk = 100_000;
  for (let first = 0; first < views; first += chunk) {
    const last = Math.min(views, first + chunk) - 1;
    await database.db.execute(sql`insert into analytics.events (view_id, seq, event, received_at, view_started_at,
        target_type, target_id, channel_id, viewer_id, referrer, device, watched_ms, position_pct, rendition,
        startup_ms, rebuffer_count, rebuffer_ms, rendition_switches, failed, error_code)
      select md5('view' || v)::uuid, s, case when s = 1 then 'start' else 'heartbeat' end,
        st + (s - 1) * interval '10 seconds', st, 'video', md5('video' || (v % 50))::uuid, ${CHANNEL}::uuid,
        'a:' || (v % ${VIEWERS}), (array['', 'news.example', 'blog.example', 'social.example'])[v % 4 + 1],
        'desktop', (s - 1) * 10000, least(100, s * 9), '720p',
        case when s = 1 then null else 300 + (v % 7) * 50 end, (v % 3 = 0)::int, (v % 3 = 0)::int * 800, 0,
        false, ''
      from (select v, date_trunc('second', ${FROM.toISOString()}::timestamptz
              + (v::float8 / ${views}) * interval '30 days') as st
            from generate_series(${first}::int, ${last}::int) v) w,
        generate_series(1, 10) s
      where (v * 10 + s - 1) < ${events}`);
    await store.rollUp();
  }
  const rate = events / ((performance.now() - began) / 1000);
  // The loads fold each batch's days as they come (the data lies in the past): the timed roll-up folds
  // the month again from its first day, as one catch-up of the daily rollups.
  await database.db.execute(sql`delete from analytics.rollup_state where name = 'daily'`);
  return rate;
}

/** Generates the beacons inside ClickHouse (the materialized views fold them as they land). */
async function loadClickHouse(url: string): Promise<number> {
  const target = new URL(url);
  const db = target.pathname.replace(/^\/+|\/+$/g, '');
  target.pathname = '/';
  const client = createClient({ url: target.toString(), request_timeout: 3_600_000 });
  const began = performance.now();
  const chunk = 1_000_000;
  try {
    for (let first = 0; first < events; first += chunk) {
      const count = Math.min(chunk, events - first);
      const from = Math.floor(FROM.getTime() / 1000);
      await client.command({
        query: `INSERT INTO ${db}.events SELECT
          toString(v) AS view_id, toUInt32(s) AS seq, if(s = 1, 'start', 'heartbeat') AS event,
          toDateTime(st + (s - 1) * 10, 'UTC') AS received_at, toDateTime(st, 'UTC') AS view_started_at,
          'video' AS target_type, concat('video-', toString(v % 50)) AS target_id, '${CHANNEL}' AS channel_id,
          concat('a:', toString(v % ${VIEWERS})) AS viewer_id,
          arrayElement(['', 'news.example', 'blog.example', 'social.example'], v % 4 + 1) AS referrer,
          'desktop' AS device, toUInt64((s - 1) * 10000) AS watched_ms, toFloat32(least(100, s * 9)) AS position_pct,
          '720p' AS rendition, toInt32(if(s = 1, -1, 300 + (v % 7) * 50)) AS startup_ms,
          toUInt32(v % 3 = 0) AS rebuffer_count, toUInt64((v % 3 = 0) * 800) AS rebuffer_ms,
          toUInt32(0) AS rendition_switches, toUInt8(0) AS failed, '' AS error_code
        FROM (SELECT intDiv(number, 10) AS v, number % 10 + 1 AS s,
                ${from} + intDiv(intDiv(number, 10) * ${30 * 86_400}, ${views}) AS st
              FROM numbers(${first}, ${count}))`,
      });
    }
  } finally {
    await client.close();
  }
  return events / ((performance.now() - began) / 1000);
}

/**
 * What ClickHouse itself logged for the report's queries (system.query_log, the store's queries run with
 * `log_queries`): per query text, how many ran, their median duration, rows read and CPU time (user and
 * system, all threads). Read rows and CPU do not depend on the machine's load as wall time does; wall
 * time beside the report's shows what the client and HTTP add.
 */
async function clickHouseFigures(url: string, since: number): Promise<string[]> {
  const client = createClient({ url: new URL('/', url).toString() });
  try {
    await client.command({ query: 'SYSTEM FLUSH LOGS' });
    const cpu = (event: string) => `ProfileEvents.Values[indexOf(ProfileEvents.Names, '${event}')]`;
    const result = await client.query({
      query: `SELECT substring(replaceAll(query, '\\n', ' '), 1, 50) AS head, count() AS n,
          quantileExact(query_duration_ms) AS ms, max(read_rows) AS rows,
          quantileExact(${cpu('UserTimeMicroseconds')} + ${cpu('SystemTimeMicroseconds')}) AS cpu_us
        FROM system.query_log
        WHERE type = 2 AND event_time >= toDateTime(${Math.floor(since / 1000)}) AND query LIKE 'SELECT%'
          AND query NOT LIKE '%system.%' AND query NOT LIKE '%argMax(watermark%'
        GROUP BY head ORDER BY ms DESC`,
      format: 'JSONEachRow',
    });
    const rows = (await result.json()) as {
      head: string;
      n: number;
      ms: string;
      rows: string;
      cpu_us: string;
    }[];
    return rows.map(
      (row) =>
        `  ${row.n}x ${row.head}…: median ${row.ms} ms in the server, ${Math.round(Number(row.cpu_us) / 1000)} ms CPU, ${Number(row.rows).toLocaleString('en')} rows read`,
    );
  } finally {
    await client.close();
  }
}

async function measure(
  name: string,
  store: AnalyticsStore,
  load: (() => Promise<number>) | undefined,
  afterRollUp?: () => Promise<void>,
  serverFigures?: (since: number) => Promise<string[]>,
) {
  await store.prepare();
  let loadRate: number | undefined;
  if (load) {
    loadRate = await load();
    log(
      `${name}: ${events} events generated in the store at ${Math.round(loadRate)}/s; load ${loadAverages().join(', ')}`,
    );
  }
  // Folds what is new (everything after a load; nothing when a loaded store is measured again).
  const began = performance.now();
  await store.rollUp();
  const rollUpMs = performance.now() - began;
  log(`${name}: roll-up ${seconds(rollUpMs)} s`);
  await afterRollUp?.();
  const since = Date.now();
  const { ms, views: seen } = await report(store);
  log(
    `${name}: 30-day channel report over ${seen} views: median ${median(ms).toFixed(0)} ms (${ms.map((x) => x.toFixed(0)).join('/')}); load ${loadAverages().join(', ')}`,
  );
  for (const line of (await serverFigures?.(since)) ?? []) log(line);
  if (load && seen !== views) throw new Error(`${name}: ${seen} views reported, ${views} expected`);
}

const closers: (() => Promise<void>)[] = [];
try {
  if (stores.includes('postgres')) {
    let url = values['database-url'];
    const fresh = !url || values.load;
    if (!url) {
      const scratch = await createScratchPostgresDatabase();
      closers.push(() => scratch.drop());
      url = scratch.url;
    }
    const database = await openDatabase({ databaseUrl: url });
    closers.push(() => database.close());
    await migrateDatabase(database);
    const store = new PostgresAnalyticsStore(database.db);
    await measure(
      'postgres',
      store,
      fresh ? () => loadPostgres(database, store) : undefined,
      // What autovacuum would have done after a load this size: planner statistics.
      async () => {
        await database.db.execute(sql`analyze analytics.views, analytics.view_decisions, analytics.rollup_daily,
          analytics.rollup_startups, analytics.rollup_referrers`);
      },
    );
  }
  if (stores.includes('clickhouse')) {
    let url = values['clickhouse-url'];
    const fresh = !url || values.load;
    if (!url) {
      const server = await startTestClickHouse();
      closers.push(() => server.stop());
      url = `${server.url}/bench_reports`;
    }
    const store = new ClickHouseAnalyticsStore({ url, settings: { log_queries: 1 } });
    closers.push(() => store.close());
    const chUrl = url;
    await measure('clickhouse', store, fresh ? () => loadClickHouse(chUrl) : undefined, undefined, (since) =>
      clickHouseFigures(chUrl, since),
    );
  }
} finally {
  for (const close of closers.reverse()) await close();
}
