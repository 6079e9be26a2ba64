/**
 * The behaviour every AnalyticsStore must show; run on PGlite and PostgreSQL (postgres-store.test.ts)
 * and on a real ClickHouse 18.16 (clickhouse-store.test.ts). Each test gets an empty store.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AnalyticsStore,
  type BeaconRecord,
  emptySums,
  pairKey,
  RETENTION_POINTS,
} from './analytics-store.ts';

export interface StoreUnderTest {
  store: AnalyticsStore;
  close(): Promise<void>;
}

const at = (iso: string) => new Date(iso);

/** A beacon of view `viewId` with sensible defaults; times are whole seconds, as both stores keep them. */
export function beacon(viewId: string, fields: Partial<BeaconRecord> = {}): BeaconRecord {
  return {
    viewId,
    seq: 1,
    event: 'heartbeat',
    receivedAt: at('2026-11-10T10:00:10Z'),
    viewStartedAt: at('2026-11-10T10:00:00Z'),
    targetType: 'video',
    targetId: randomUUID(),
    channelId: null,
    viewerId: 'a:viewer',
    referrer: '',
    device: 'desktop',
    watchedMs: 10_000,
    positionPct: 10,
    rendition: '720p',
    startupMs: 500,
    rebufferCount: 0,
    rebufferMs: 0,
    renditionSwitches: 0,
    failed: false,
    errorCode: '',
    ...fields,
  };
}

const DAY = { from: at('2026-11-10T00:00:00Z'), to: at('2026-11-11T00:00:00Z') };

export function analyticsStoreContract(name: string, open: () => Promise<StoreUnderTest>) {
  describe(`analytics store contract: ${name}`, () => {
    let opened: StoreUnderTest;
    let store: AnalyticsStore;

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
      await store.prepare();
    });
    afterEach(async () => {
      await opened.close();
    });

    it('folds beacons into one view per play, the highest seq winning whatever the arrival order', async () => {
      const video = randomUUID();
      const view = randomUUID();
      await store.append([
        beacon(view, { targetId: video, seq: 3, watchedMs: 30_000, rebufferCount: 2, rebufferMs: 1500 }),
        beacon(view, { targetId: video, seq: 1, event: 'start', watchedMs: 0, startupMs: null }),
      ]);
      await store.append([beacon(view, { targetId: video, seq: 2, watchedMs: 20_000 })]);
      await store.rollUp();
      await store.rollUp();
      const totals = await store.totals({ kind: 'video', id: video }, DAY);
      expect(totals).toMatchObject({
        views: 1,
        uniqueViewers: 1,
        watchTimeMs: 30_000,
        rebufferCount: 2,
        rebufferMs: 1500,
        startupP50Ms: 500,
        failedViews: 0,
        exitsBeforeStart: 0,
        countedViews: 0,
      });
    });

    it('sums views, viewers, startup percentiles (nearest rank), failures and exits before start', async () => {
      const video = randomUUID();
      const startups = [100, 200, 300, 400, 5000];
      await store.append([
        ...startups.map((startupMs, i) =>
          beacon(randomUUID(), { targetId: video, startupMs, viewerId: `a:v${i % 3}`, watchedMs: 1000 }),
        ),
        beacon(randomUUID(), {
          targetId: video,
          startupMs: null,
          watchedMs: 0,
          failed: true,
          errorCode: 'network',
        }),
        beacon(randomUUID(), { targetId: video, startupMs: null, watchedMs: 0, event: 'exit' }),
        // Another video's view is not this one's.
        beacon(randomUUID(), { startupMs: 1 }),
      ]);
      await store.rollUp();
      const totals = await store.totals({ kind: 'video', id: video }, DAY);
      expect(totals).toEqual({
        views: 7,
        countedViews: 0,
        uniqueViewers: 4,
        watchTimeMs: 5000,
        startupP50Ms: 300,
        startupP95Ms: 5000,
        rebufferCount: 0,
        rebufferMs: 0,
        failedViews: 1,
        exitsBeforeStart: 1,
      });
      const empty = await store.totals({ kind: 'video', id: randomUUID() }, DAY);
      expect(empty).toMatchObject({ views: 0, startupP50Ms: null, startupP95Ms: null, watchTimeMs: 0 });
    });

    it('reports the range asked for, in hour, day and month buckets', async () => {
      const video = randomUUID();
      const starts = [
        '2026-10-31T23:30:00Z',
        '2026-11-10T10:05:00Z',
        '2026-11-10T10:50:00Z',
        '2026-11-10T12:00:00Z',
      ];
      await store.append(
        starts.map((start) =>
          beacon(randomUUID(), {
            targetId: video,
            viewStartedAt: at(start),
            receivedAt: at(start),
            watchedMs: 1000,
          }),
        ),
      );
      await store.rollUp();
      const scope = { kind: 'video', id: video } as const;
      const hours = await store.series(scope, DAY, 'hour');
      expect(hours.map((p) => [p.bucket.toISOString(), p.views, p.watchTimeMs])).toEqual([
        ['2026-11-10T10:00:00.000Z', 2, 2000],
        ['2026-11-10T12:00:00.000Z', 1, 1000],
      ]);
      const wide = { from: at('2026-10-01T00:00:00Z'), to: at('2026-12-01T00:00:00Z') };
      const days = await store.series(scope, wide, 'day');
      expect(days.map((p) => [p.bucket.toISOString(), p.views])).toEqual([
        ['2026-10-31T00:00:00.000Z', 1],
        ['2026-11-10T00:00:00.000Z', 3],
      ]);
      const months = await store.series(scope, wide, 'month');
      expect(months.map((p) => [p.bucket.toISOString(), p.views])).toEqual([
        ['2026-10-01T00:00:00.000Z', 1],
        ['2026-11-01T00:00:00.000Z', 3],
      ]);
      expect((await store.totals(scope, DAY)).views).toBe(3);
    });

    it('hands out views long enough to count once, and keeps the decisions', async () => {
      const video = randomUUID();
      const [long, short, other] = [randomUUID(), randomUUID(), randomUUID()];
      await store.append([
        beacon(long, { targetId: video, watchedMs: 6000, viewerId: 'a:x' }),
        beacon(short, { targetId: video, watchedMs: 4000, viewerId: 'a:x' }),
        beacon(other, {
          targetId: video,
          watchedMs: 9000,
          viewerId: 'a:y',
          viewStartedAt: at('2026-11-10T10:20:00Z'),
          receivedAt: at('2026-11-10T10:20:10Z'),
        }),
      ]);
      await store.rollUp();
      const candidates = await store.undecidedViews(5000, 100);
      expect(candidates.map((c) => c.viewId)).toEqual([long, other]);
      expect(candidates[0]).toMatchObject({
        targetType: 'video',
        targetId: video,
        viewerId: 'a:x',
        channelId: null,
      });
      expect(candidates[0]?.startedAt.toISOString()).toBe('2026-11-10T10:00:00.000Z');

      await store.recordDecisions([
        { ...(candidates[0] as (typeof candidates)[0]), counted: true },
        { ...(candidates[1] as (typeof candidates)[0]), counted: false },
      ]);
      expect(await store.undecidedViews(5000, 100)).toEqual([]);
      expect(await store.countedViews([video, randomUUID()])).toEqual(
        new Map([
          [video, 1],
          [expect.any(String), 0],
        ]),
      );
      const starts = await store.countedStarts(
        [
          { viewerId: 'a:x', targetId: video },
          { viewerId: 'a:y', targetId: video },
        ],
        DAY,
      );
      expect([...starts.entries()].map(([key, list]) => [key, list.map((d) => d.toISOString())])).toEqual([
        [pairKey('a:x', video), ['2026-11-10T10:00:00.000Z']],
      ]);
      const before = { from: DAY.from, to: at('2026-11-10T10:00:00Z') };
      expect((await store.countedStarts([{ viewerId: 'a:x', targetId: video }], before)).size).toBe(0);
      expect((await store.totals({ kind: 'video', id: video }, DAY)).countedViews).toBe(1);
      const [point] = await store.series({ kind: 'video', id: video }, DAY, 'hour');
      expect(point).toMatchObject({ views: 3, countedViews: 1 });
    });

    it('ranks top videos and top referrers of a channel and of the instance', async () => {
      const channel = randomUUID();
      const [popular, quiet, elsewhere] = [randomUUID(), randomUUID(), randomUUID()];
      const views = [
        beacon(randomUUID(), { targetId: popular, channelId: channel, referrer: 'news.example' }),
        beacon(randomUUID(), { targetId: popular, channelId: channel, referrer: 'news.example' }),
        beacon(randomUUID(), {
          targetId: quiet,
          channelId: channel,
          referrer: 'blog.example',
          watchedMs: 50_000,
        }),
        beacon(randomUUID(), { targetId: elsewhere, channelId: randomUUID(), referrer: 'blog.example' }),
      ];
      await store.append(views);
      await store.rollUp();
      const candidates = await store.undecidedViews(5000, 100);
      await store.recordDecisions(
        candidates.map((c) => ({ ...c, counted: c.targetId === popular || c.targetId === elsewhere })),
      );
      const scope = { kind: 'channel', id: channel } as const;
      expect(await store.topVideos(scope, DAY, 10)).toEqual([
        { videoId: popular, countedViews: 2, watchTimeMs: 20_000 },
        { videoId: quiet, countedViews: 0, watchTimeMs: 50_000 },
      ]);
      expect(await store.topReferrers(scope, DAY, 10)).toEqual([
        { referrer: 'news.example', views: 2 },
        { referrer: 'blog.example', views: 1 },
      ]);
      expect(await store.topReferrers({ kind: 'instance' }, DAY, 1)).toEqual([
        { referrer: 'blog.example', views: 2 },
      ]);
      expect((await store.totals({ kind: 'instance' }, DAY)).countedViews).toBe(3);
      expect((await store.totals(scope, DAY)).views).toBe(3);
    });

    it('gives a video its retention: views that played and how many reached each 5 %', async () => {
      const video = randomUUID();
      await store.append([
        beacon(randomUUID(), { targetId: video, positionPct: 100 }),
        beacon(randomUUID(), { targetId: video, positionPct: 52 }),
        beacon(randomUUID(), { targetId: video, positionPct: 4.9 }),
        beacon(randomUUID(), { targetId: video, positionPct: 0, startupMs: null, watchedMs: 0 }),
      ]);
      await store.rollUp();
      const { views, reached } = await store.retention(video, DAY);
      expect(views).toBe(3);
      expect(reached).toHaveLength(RETENTION_POINTS.length);
      expect(reached.slice(0, 3)).toEqual([3, 2, 2]);
      expect(reached[10]).toBe(2); // 50 %
      expect(reached[11]).toBe(1); // 55 %
      expect(reached[20]).toBe(1); // 100 %
    });

    it("lists a broadcast's views with their first and last beacon", async () => {
      const session = randomUUID();
      const view = randomUUID();
      await store.append([
        beacon(view, {
          targetType: 'live',
          targetId: session,
          seq: 1,
          event: 'start',
          receivedAt: at('2026-11-10T10:00:00Z'),
        }),
        beacon(view, {
          targetType: 'live',
          targetId: session,
          seq: 2,
          receivedAt: at('2026-11-10T10:01:40Z'),
        }),
        beacon(randomUUID(), { targetType: 'video', targetId: session }),
      ]);
      await store.rollUp();
      const intervals = await store.viewIntervals(session);
      expect(intervals.map((v) => [v.startedAt.toISOString(), v.lastAt.toISOString()])).toEqual([
        ['2026-11-10T10:00:00.000Z', '2026-11-10T10:01:40.000Z'],
      ]);
      const live = await store.totals({ kind: 'live', id: session }, DAY);
      expect(live.views).toBe(1);
    });

    it('reports a range that cuts hours at both ends exactly, before and after late data', async () => {
      const channel = randomUUID();
      const videos = [randomUUID(), randomUUID()];
      const records: BeaconRecord[] = [];
      // 24 views every 10 min from 09:10, on two videos, 8 viewers, 3 referrers, startups 100…2400 ms.
      for (let i = 0; i < 24; i += 1) {
        const started = new Date(Date.parse('2026-11-10T09:10:00Z') + i * 10 * 60_000);
        records.push(
          beacon(randomUUID(), {
            channelId: channel,
            targetId: videos[i % 2] as string,
            viewerId: `a:viewer-${i % 8}`,
            referrer: ['', 'news.example', 'blog.example'][i % 3] as string,
            viewStartedAt: started,
            receivedAt: new Date(started.getTime() + 30_000),
            watchedMs: 1000 * (i + 1),
            startupMs: i % 5 === 0 ? null : 100 * (i + 1),
            rebufferCount: i % 4,
            rebufferMs: 200 * (i % 4),
            failed: i % 7 === 0,
          }),
        );
      }
      await store.append(records);
      await store.rollUp();
      // The views of even i are counted.
      await store.recordDecisions(
        records.map((r, i) => ({
          viewId: r.viewId,
          counted: i % 2 === 0,
          startedAt: r.viewStartedAt,
          targetType: 'video' as const,
          targetId: r.targetId,
          channelId: channel,
          viewerId: r.viewerId,
        })),
      );
      await store.rollUp();
      // 09:30 to 12:45: views 2…21. ClickHouse answers 10:00–12:00 from its hourly rollups, the rest raw.
      const range = { from: at('2026-11-10T09:30:00Z'), to: at('2026-11-10T12:45:00Z') };
      const scope = { kind: 'channel', id: channel } as const;
      const inside = Array.from({ length: 20 }, (_, k) => k + 2);
      const startups = inside.filter((i) => i % 5 !== 0).map((i) => 100 * (i + 1));
      const nearest = (p: number) => startups[Math.floor(startups.length * p)];
      const expected = {
        views: 20,
        countedViews: 10,
        uniqueViewers: 8,
        watchTimeMs: inside.reduce((sum, i) => sum + 1000 * (i + 1), 0),
        startupP50Ms: nearest(0.5),
        startupP95Ms: nearest(0.95),
        rebufferCount: inside.reduce((sum, i) => sum + (i % 4), 0),
        rebufferMs: inside.reduce((sum, i) => sum + 200 * (i % 4), 0),
        failedViews: inside.filter((i) => i % 7 === 0).length,
        exitsBeforeStart: 0,
      };
      expect(await store.totals(scope, range)).toEqual(expected);
      const series = await store.series(scope, range, 'hour');
      expect(series.map((point) => [point.bucket.toISOString().slice(11, 13), point.views])).toEqual([
        ['09', 3],
        ['10', 6],
        ['11', 6],
        ['12', 5],
      ]);
      expect(series.reduce((sum, point) => sum + point.countedViews, 0)).toBe(10);
      expect(await store.summary(scope, range, 'hour')).toEqual({ totals: expected, series });
      expect(
        await store.summary(
          scope,
          { from: at('2026-01-01T00:00:00Z'), to: at('2026-01-02T00:00:00Z') },
          'day',
        ),
      ).toEqual({ totals: emptySums(), series: [] });
      expect(await store.topReferrers(scope, range, 10)).toEqual([
        { referrer: 'blog.example', views: 7 },
        { referrer: 'news.example', views: 6 },
      ]);
      expect((await store.topVideos(scope, range, 10)).map((v) => [v.videoId, v.countedViews])).toEqual([
        [videos[0], 10],
        [videos[1], 0],
      ]);
      // The whole report in one call: the same parts, each top list cut to its own limit.
      expect(await store.report(scope, range, 'hour', { topVideos: 1, topReferrers: 10 })).toEqual({
        totals: expected,
        series,
        topVideos: (await store.topVideos(scope, range, 10)).slice(0, 1),
        topReferrers: await store.topReferrers(scope, range, 10),
      });
      expect((await store.report(scope, range, 'day', { topVideos: 0, topReferrers: 0 })).topVideos).toEqual(
        [],
      );
      // A view landing in a rolled-up hour later counts at once (read raw), and after the next roll-up.
      const late = beacon(randomUUID(), {
        channelId: channel,
        targetId: videos[1] as string,
        viewerId: 'a:late',
        viewStartedAt: at('2026-11-10T11:00:00Z'),
        // Arrival after everything folded so far, as a player's beacons arrive.
        receivedAt: at('2026-11-10T14:00:00Z'),
        startupMs: null,
        watchedMs: 500,
      });
      await store.append([late]);
      await store.rollUp();
      const withLate = { ...expected, views: 21, uniqueViewers: 9, watchTimeMs: expected.watchTimeMs + 500 };
      expect(await store.totals(scope, range)).toEqual(withLate);
      await store.rollUp();
      expect(await store.totals(scope, range)).toEqual(withLate);
    });

    it("keeps a broadcast's presence samples in time order, the higher count of one tick winning", async () => {
      const broadcast = randomUUID();
      const other = randomUUID();
      await store.recordPresenceSamples([
        { liveSessionId: broadcast, at: at('2026-11-10T20:00:10Z'), viewers: 3 },
        { liveSessionId: broadcast, at: at('2026-11-10T20:00:00Z'), viewers: 2 },
        { liveSessionId: other, at: at('2026-11-10T20:00:00Z'), viewers: 9 },
      ]);
      // Another replica sampled the same tick: a lower count changes nothing, a higher one wins.
      await store.recordPresenceSamples([
        { liveSessionId: broadcast, at: at('2026-11-10T20:00:10Z'), viewers: 1 },
        { liveSessionId: broadcast, at: at('2026-11-10T20:00:00Z'), viewers: 5 },
      ]);
      expect(await store.presenceSamples(broadcast)).toEqual([
        { at: at('2026-11-10T20:00:00Z'), viewers: 5 },
        { at: at('2026-11-10T20:00:10Z'), viewers: 3 },
      ]);
      expect(await store.presenceSamples(randomUUID())).toEqual([]);
    });

    it('drops raw beacons of whole days before the cut-off and keeps the rollups', async () => {
      const video = randomUUID();
      await store.append([
        beacon(randomUUID(), {
          targetId: video,
          receivedAt: at('2026-11-08T10:00:00Z'),
          viewStartedAt: at('2026-11-08T10:00:00Z'),
        }),
        beacon(randomUUID(), { targetId: video, receivedAt: at('2026-11-10T10:00:00Z') }),
      ]);
      await store.rollUp();
      expect(await store.pruneRawEvents(at('2026-11-10T06:00:00Z'))).toBe(1);
      expect(await store.pruneRawEvents(at('2026-11-10T06:00:00Z'))).toBe(0);
      const all = { from: at('2026-11-01T00:00:00Z'), to: at('2026-12-01T00:00:00Z') };
      expect((await store.totals({ kind: 'video', id: video }, all)).views).toBe(2);
      // Beacons still arrive for the kept day.
      await store.append([beacon(randomUUID(), { targetId: video, receivedAt: at('2026-11-10T11:00:00Z') })]);
      await store.rollUp();
      expect((await store.totals({ kind: 'video', id: video }, all)).views).toBe(3);
    });
  });
}
