import { describe, expect, it } from 'vitest';
import { percentile, type RunResult, runSetup } from './measure.ts';
import { compare, evaluateTargets, median } from './report.ts';

const run = (
  setup: RunResult['setup'],
  cpuProcess: number,
  overrides: Partial<RunResult> = {},
): RunResult => ({
  setup,
  sent: 100,
  handled: 100,
  lost: 0,
  duplicated: 0,
  throughput: 1_000,
  p50Ms: 5,
  p99Ms: 50,
  maxMs: 60,
  cpu: { process: cpuProcess, postgres: 0, redis: 0.1 },
  postgresBy: { relay: 0, listen: 0, producers: 0 },
  cpuMsPerEvent: 0,
  ...overrides,
});

describe('report', () => {
  it('takes nearest-rank percentiles and medians', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile([], 0.5)).toBeNaN();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  it('compares each outbox setup with its anchor and checks the targets on the worst round', () => {
    const results = [
      run('direct-postgres', 1),
      run('outbox-postgres', 1.3),
      run('outbox-postgres', 1.5, { p99Ms: 300 }),
    ];
    const [comparison] = compare(results);
    // CPU per event: process + postgres + redis, medians over rounds: (1.5 / 1.1) → 1.36×.
    expect(comparison?.cpuRatio).toBeCloseTo(1.5 / 1.1, 2);
    expect(comparison?.cpuRatioWithoutRedis).toBeCloseTo(1.4, 2);
    const checks = evaluateTargets(results, compare(results));
    expect(checks.map((c) => c.ok)).toEqual([true, false, true, true]);
    const lost = evaluateTargets([...results, run('direct-embedded', 1, { lost: 1 })], []);
    expect(lost.at(-1)?.ok).toBe(false);
  });
});

// A real run, small: both embedded setups and both on PostgreSQL + Redis, 200 events/s for 1 s each.
it('measures every setup with nothing lost or doubled', { timeout: 120_000 }, async () => {
  for (const setup of ['direct-embedded', 'outbox-embedded', 'direct-postgres', 'outbox-postgres'] as const) {
    const result = await runSetup(setup, {
      rate: 200,
      seconds: 1,
      concurrency: 4,
      redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    });
    expect(result.sent).toBe(200);
    expect(result.handled).toBe(200);
    expect(result.lost + result.duplicated).toBe(0);
    expect(result.p50Ms).toBeGreaterThanOrEqual(0);
    expect(result.p99Ms).toBeGreaterThanOrEqual(result.p50Ms);
    expect(result.cpu.process).toBeGreaterThan(0);
    if (setup.endsWith('postgres')) expect(result.cpu.postgres).toBeGreaterThan(0);
  }
});
