/**
 * The analytics benchmark (issue 16), on PostgreSQL and on ClickHouse in one run; see docs/benchmarks.md
 * ("Analytics").
 * - Ingest: beacons/s accepted by a real gateway (autocannon in its own process, 50 connections), then
 *   whether every accepted beacon reached the store; anchor: the same number of beacons appended straight
 *   into the store in bulk.
 * - Reports: a channel's 30-day report (totals, daily series, top videos and referrers, as the route
 *   runs them) over `--events` raw beacons, median of 5.
 *
 *   node --import tsx bench/analytics/run.ts [--seconds 10] [--events 500000]
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from '@clickhouse/client';
import { loadConfig } from '@streamhub/config/config';
import { openDatabase } from '@streamhub/db/client';
import { migrateDatabase } from '@streamhub/db/migrate';
import { rowsOf } from '@streamhub/db/rows';
import { createScratchPostgresDatabase } from '@streamhub/db/testing';
import { freePort } from '@streamhub/infra/shared/free-port';
import { createLogger } from '@streamhub/logger/logger';
import { sql } from 'drizzle-orm';
import type { AnalyticsStore, BeaconRecord } from '../../api/src/domains/analytics/analytics-store.ts';
import { ClickHouseAnalyticsStore } from '../../api/src/domains/analytics/clickhouse-store.ts';
import { PostgresAnalyticsStore } from '../../api/src/domains/analytics/postgres-store.ts';
import { SaltsRepository } from '../../api/src/domains/analytics/salts.repository.ts';
import { startTestClickHouse } from '../../api/src/domains/analytics/testing/clickhouse-server.ts';
import { DailySalts, utcDay, ViewTokens } from '../../api/src/domains/analytics/view-tokens.ts';
import { startGateway } from '../../api/src/runtime/gateway-runtime.ts';
import { loadAverages } from '../live/proc.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, events: { type: 'string', default: '500000' } },
  strict: true,
});
const seconds = Number(values.seconds);
const eventCount = Number(values.events);
const log = (line: string) => process.stderr.write(`${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const DAY_MS = 86_400_000;
const BULK_BATCH = 50_000;

log(
  `machine: ${cpus().length} vCPU, ${Math.round(totalmem() / 2 ** 30)} GiB, ${process.versions.bun ? `Bun ${process.versions.bun}` : `Node ${process.versions.node}`}; load ${loadAverages().join(', ')}`,
);

const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

/** autocannon in its own process: 2xx answers and the run's requests per second. */
function autocannon(url: string, body: string): Promise<{ ok: number; total: number; perSecond: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        autocannonBin,
        '-c',
        '50',
        '-d',
        String(seconds),
        '-m',
        'POST',
        '-H',
        'content-type=application/json',
        '-b',
        body,
        '--json',
        url,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', () => {
      const result = JSON.parse(out) as { '2xx': number; requests: { total: number; average: number } };
      resolve({ ok: result['2xx'], total: result.requests.total, perSecond: result['2xx'] / seconds });
    });
  });
}

function heartbeat(
  viewId: string,
  seq: number,
  at: Date,
  started: Date,
  video: string,
  channel: string,
): BeaconRecord {
  return {
    viewId,
    seq,
    event: seq === 1 ? 'start' : 'heartbeat',
    receivedAt: at,
    viewStartedAt: started,
    targetType: 'video',
    targetId: video,
    channelId: channel,
    viewerId: `a:${viewId.slice(0, 8)}`,
    referrer: ['', 'news.example', 'blog.example', 'social.example'][seq % 4] ?? '',
    device: 'desktop',
    watchedMs: (seq - 1) * 10_000,
    positionPct: Math.min(100, seq * 9),
    rendition: '720p',
    startupMs: seq > 1 ? 300 + (seq % 7) * 50 : null,
    rebufferCount: 0,
    rebufferMs: 0,
    renditionSwitches: 0,
    failed: false,
    errorCode: '',
  };
}

/** `count` beacons over 30 days: views of 10 beacons, on 50 videos of one channel, in time order. */
function thirtyDays(count: number, channel: string, end: Date): BeaconRecord[] {
  const videos = Array.from({ length: 50 }, () => randomUUID());
  const views = Math.ceil(count / 10);
  const records: BeaconRecord[] = [];
  for (let v = 0; v < views; v += 1) {
    const started = new Date(
      Math.floor((end.getTime() - 30 * DAY_MS + (v / views) * 30 * DAY_MS) / 1000) * 1000,
    );
    const viewId = randomUUID();
    const video = videos[v % videos.length] as string;
    for (let seq = 1; seq <= 10 && records.length < count; seq += 1) {
      records.push(
        heartbeat(viewId, seq, new Date(started.getTime() + (seq - 1) * 10_000), started, video, channel),
      );
    }
  }
  return records;
}

async function bulk(store: AnalyticsStore, records: readonly BeaconRecord[]): Promise<number> {
  const began = performance.now();
  for (let i = 0; i < records.length; i += BULK_BATCH) await store.append(records.slice(i, i + BULK_BATCH));
  return records.length / ((performance.now() - began) / 1000);
}

interface Figures {
  store: string;
  gatewayPerSecond: number;
  accepted: number;
  refused: number;
  stored: number;
  anchorPerSecond: number;
  bulkPerSecond: number;
  reportMs: number[];
}

async function measure(
  kind: 'postgres' | 'clickhouse',
  databaseUrl: string,
  clickhouseUrl: string | undefined,
) {
  const database = await openDatabase({ databaseUrl });
  const store: AnalyticsStore = clickhouseUrl
    ? new ClickHouseAnalyticsStore({ url: clickhouseUrl })
    : new PostgresAnalyticsStore(database.db);
  await store.prepare();
  // Reports first: the roll-up's watermark follows arrival time, so 30 days loaded after live traffic
  // would count as beacons from the past (which a gateway never writes).
  const channel = randomUUID();
  const end = new Date(Math.ceil(Date.now() / DAY_MS) * DAY_MS);
  const records = thirtyDays(eventCount, channel, end);
  const bulkPerSecond = await bulk(store, records);
  await store.rollUp();
  const scope = { kind: 'channel', id: channel } as const;
  const range = { from: new Date(end.getTime() - 30 * DAY_MS), to: end };
  const reportMs: number[] = [];
  for (let round = 0; round < 5; round += 1) {
    const began = performance.now();
    const { totals } = await store.report(scope, range, 'day', { topVideos: 10, topReferrers: 10 });
    reportMs.push(performance.now() - began);
    if (totals.views !== Math.ceil(eventCount / 10))
      throw new Error(`${kind}: ${totals.views} views reported`);
  }
  const clickhouseClient = clickhouseUrl
    ? createClient({ url: new URL('/', clickhouseUrl).toString() })
    : undefined;
  // Raw beacons as stored (every beacon of the run shares one view, so views would count one).
  const countRaw = async () => {
    if (clickhouseClient) {
      const result = await clickhouseClient.query({
        query: 'SELECT count() AS n FROM bench_analytics.events',
        format: 'JSONEachRow',
      });
      return Number(((await result.json()) as { n: string }[])[0]?.n ?? 0);
    }
    const result = await database.db.execute(sql`select count(*)::int as n from analytics.events`);
    return Number(rowsOf<{ n: number }>(result)[0]?.n ?? 0);
  };
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = loadConfig(
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: base,
      STREAMHUB_DATA_DIR: await mkdtemp(join(tmpdir(), 'streamhub-bench-analytics-')),
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'silent',
      // Every beacon comes from one address here; the per-address limit is not what is measured.
      RATE_LIMIT_MAX: '1000000000',
      // …and they all carry one view's token; the per-view limit is not measured either.
      ANALYTICS_BEACONS_PER_VIEW: '1000000000',
      ...(clickhouseUrl ? { ANALYTICS_CLICKHOUSE_URL: clickhouseUrl } : {}),
    },
    { envFile: false },
  );
  const gateway = await startGateway(config, {
    logger: createLogger({ level: 'silent', name: 'bench-analytics' }),
    migrate: false,
    createSigningKeys: true,
    runJobs: false,
    mediaNode: false,
  });
  try {
    // One view's token, signed with the gateway's salt of the day (same database).
    const tokens = new ViewTokens(new DailySalts(new SaltsRepository(database.db)));
    const now = new Date();
    const token = await tokens.sign({
      viewId: randomUUID(),
      startedAt: Math.floor(now.getTime() / 1000),
      day: utcDay(now),
      targetType: 'video',
      targetId: randomUUID(),
      channelId: randomUUID(),
      viewerId: 'a:bench',
      referrer: '',
      device: 'desktop',
    });
    const body = JSON.stringify({ token, seq: 2, event: 'heartbeat', watchedMs: 10_000 });
    const before = await countRaw();
    const run = await autocannon(`${base}/api/v1/analytics/beacons`, body);
    // Written within a second or two of the last answer; then count what arrived.
    let stored = 0;
    const deadline = Date.now() + 15_000;
    do {
      await new Promise((resolve) => setTimeout(resolve, 500));
      stored = (await countRaw()) - before;
    } while (stored < run.ok && Date.now() < deadline);
    const anchorRecords = Array.from({ length: run.ok }, (_, i) =>
      heartbeat(randomUUID(), 2, new Date(now.getTime() + (i % 1000)), now, randomUUID(), randomUUID()),
    );
    const anchorPerSecond = await bulk(store, anchorRecords);

    return {
      store: kind,
      gatewayPerSecond: run.perSecond,
      accepted: run.ok,
      refused: run.total - run.ok,
      stored,
      anchorPerSecond,
      bulkPerSecond,
      reportMs,
    } satisfies Figures;
  } finally {
    await gateway.close();
    await store.close();
    await clickhouseClient?.close();
    await database.close();
  }
}

const scratch = await createScratchPostgresDatabase();
const clickhouse = await startTestClickHouse();
try {
  const migrated = await openDatabase({ databaseUrl: scratch.url });
  await migrateDatabase(migrated);
  await migrated.close();
  const results = [
    await measure('postgres', scratch.url, undefined),
    await measure('clickhouse', scratch.url, `${clickhouse.url}/bench_analytics`),
  ];
  for (const r of results) {
    log(
      `${r.store}: gateway ${Math.round(r.gatewayPerSecond)} beacons/s accepted (${r.accepted} accepted, ${r.refused} refused, ${r.stored} counted in the store after the run), ` +
        `anchor bulk append ${Math.round(r.anchorPerSecond)}/s (gateway ${(r.gatewayPerSecond / r.anchorPerSecond).toFixed(2)}x); ` +
        `${eventCount} events loaded at ${Math.round(r.bulkPerSecond)}/s; 30-day channel report median ${median(r.reportMs).toFixed(0)} ms (${r.reportMs.map((ms) => ms.toFixed(0)).join('/')})`,
    );
  }
  log(`load after: ${loadAverages().join(', ')}`);
} finally {
  await clickhouse.stop();
  await scratch.drop();
}
