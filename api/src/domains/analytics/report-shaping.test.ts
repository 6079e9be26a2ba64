/** Report shaping: percentages, buckets, concurrency sampling and CSV, without a store. */
import { describe, expect, it } from 'vitest';
import { emptySums } from './analytics-store.ts';
import { bucketsOf, concurrency, fillSeries, toMetrics } from './report-shaping.ts';

const at = (iso: string) => new Date(iso);

describe('report shaping', () => {
  it('derives averages and percentages, rebuffering over the time it took to watch', () => {
    const metrics = toMetrics({
      ...emptySums(),
      views: 4,
      watchTimeMs: 9000,
      rebufferMs: 1000,
      failedViews: 1,
    });
    expect(metrics).toMatchObject({ averageViewDurationMs: 2250, rebufferPct: 10, failurePct: 25 });
    expect(toMetrics(emptySums())).toMatchObject({ averageViewDurationMs: 0, rebufferPct: 0, failurePct: 0 });
  });

  it('lists every UTC bucket of a range, months by the calendar', () => {
    expect(
      bucketsOf(at('2026-01-30T12:00:00Z'), at('2026-03-01T00:00:00Z'), 'month').map((d) => d.toISOString()),
    ).toEqual(['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z']);
    expect(bucketsOf(at('2026-11-10T10:30:00Z'), at('2026-11-10T12:00:01Z'), 'hour')).toHaveLength(3);
    expect(() => bucketsOf(at('2020-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z'), 'hour')).toThrow();
  });

  it('fills buckets without views with zeros', () => {
    const buckets = bucketsOf(at('2026-11-10T00:00:00Z'), at('2026-11-13T00:00:00Z'), 'day');
    const series = fillSeries(buckets, [{ ...emptySums(), bucket: at('2026-11-11T00:00:00Z'), views: 2 }]);
    expect(series.map((p) => [p.bucket, p.views])).toEqual([
      ['2026-11-10T00:00:00.000Z', 0],
      ['2026-11-11T00:00:00.000Z', 2],
      ['2026-11-12T00:00:00.000Z', 0],
    ]);
  });

  it('samples concurrent viewers every 10 s and keeps the peak', () => {
    const live = concurrency([
      { startedAt: at('2026-11-10T10:00:03Z'), lastAt: at('2026-11-10T10:00:40Z') },
      { startedAt: at('2026-11-10T10:00:10Z'), lastAt: at('2026-11-10T10:00:20Z') },
      { startedAt: at('2026-11-10T10:00:15Z'), lastAt: at('2026-11-10T10:00:31Z') },
    ]);
    expect(live.samples.map((s) => [s.at.slice(11, 19), s.viewers])).toEqual([
      ['10:00:00', 0],
      ['10:00:10', 2],
      ['10:00:20', 3],
      ['10:00:30', 2],
      ['10:00:40', 1],
    ]);
    expect(live.peak).toBe(3);
    expect(concurrency([])).toEqual({ peak: 0, samples: [] });
  });

  it('takes the higher of the presence sample and the beaconing views at each tick', () => {
    const live = concurrency(
      [{ startedAt: at('2026-11-10T10:00:10Z'), lastAt: at('2026-11-10T10:00:30Z') }],
      [
        // Presence saw chat viewers before the first beacon and after the last one.
        { at: at('2026-11-10T10:00:00Z'), viewers: 2 },
        { at: at('2026-11-10T10:00:10Z'), viewers: 3 },
        // No sample at 10:00:20 (a gateway restarted): the beacons' 1 stands.
        { at: at('2026-11-10T10:00:30Z'), viewers: 0 },
        { at: at('2026-11-10T10:00:40Z'), viewers: 1 },
      ],
    );
    expect(live.samples.map((s) => [s.at.slice(11, 19), s.viewers])).toEqual([
      ['10:00:00', 2],
      ['10:00:10', 3],
      ['10:00:20', 1],
      ['10:00:30', 1],
      ['10:00:40', 1],
    ]);
    expect(live.peak).toBe(3);
  });
});
