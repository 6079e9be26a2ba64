/** Tables and target checks for the events benchmark. */
import type { RunResult, SetupId } from './measure.ts';

export const TARGETS = {
  throughput: 1_000,
  p99Ms: 250,
  cpuRatio: 1.5,
} as const;

const ANCHOR_OF: Partial<Record<SetupId, SetupId>> = {
  'outbox-postgres': 'direct-postgres',
  'outbox-embedded': 'direct-embedded',
};

export interface Comparison {
  setup: SetupId;
  anchor: SetupId;
  /** Outbox CPU per event over the anchor's, every measured process counted. */
  cpuRatio: number;
  /** The same without the Redis server, whose CPU includes other clients' on a shared machine. */
  cpuRatioWithoutRedis: number;
}

/** Medians per setup over rounds; ratios of medians. */
export function median(values: readonly number[]): number {
  const sorted = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const perEvent = (r: RunResult, withRedis: boolean) =>
  ((r.cpu.process + r.cpu.postgres + (withRedis ? r.cpu.redis : 0)) * 1000) / r.handled;

export function compare(results: readonly RunResult[]): Comparison[] {
  const comparisons: Comparison[] = [];
  for (const [setup, anchor] of Object.entries(ANCHOR_OF) as [SetupId, SetupId][]) {
    const mine = results.filter((r) => r.setup === setup);
    const theirs = results.filter((r) => r.setup === anchor);
    if (mine.length === 0 || theirs.length === 0) continue;
    const ratio = (withRedis: boolean) =>
      median(mine.map((r) => perEvent(r, withRedis))) / median(theirs.map((r) => perEvent(r, withRedis)));
    comparisons.push({ setup, anchor, cpuRatio: ratio(true), cpuRatioWithoutRedis: ratio(false) });
  }
  return comparisons;
}

const f = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

export function formatRuns(results: readonly RunResult[]): string {
  const header =
    '| setup | sent | handled | lost | doubled | events/s | p50 ms | p99 ms | max ms | CPU s (process / postgres / redis) | postgres s (producers / relay / listen) | CPU ms/event |';
  const rule = '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |';
  const rows = results.map(
    (r) =>
      `| ${r.setup} | ${r.sent} | ${r.handled} | ${r.lost} | ${r.duplicated} | ${f(r.throughput, 0)} | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${f(r.maxMs)} | ${f(r.cpu.process, 2)} / ${f(r.cpu.postgres, 2)} / ${f(r.cpu.redis, 2)} | ${f(r.postgresBy.producers, 2)} / ${f(r.postgresBy.relay, 2)} / ${f(r.postgresBy.listen, 2)} | ${f(r.cpuMsPerEvent, 3)} |`,
  );
  return [header, rule, ...rows].join('\n');
}

export interface TargetCheck {
  name: string;
  value: string;
  ok: boolean;
}

/** The targets, checked on the PostgreSQL + Redis outbox runs (worst round) and their anchor. */
export function evaluateTargets(
  results: readonly RunResult[],
  comparisons: readonly Comparison[],
): TargetCheck[] {
  const runs = results.filter((r) => r.setup === 'outbox-postgres');
  if (runs.length === 0) return [];
  const worst = (pick: (r: RunResult) => number, high: boolean) =>
    runs.map(pick).reduce((a, b) => (high ? Math.max(a, b) : Math.min(a, b)));
  const ratio = comparisons.find((c) => c.setup === 'outbox-postgres');
  const lostOrDoubled = results.reduce((sum, r) => sum + r.lost + r.duplicated, 0);
  return [
    {
      name: `≥ ${TARGETS.throughput} events/s into one consumer`,
      value: f(
        worst((r) => r.throughput, false),
        0,
      ),
      ok: worst((r) => r.throughput, false) >= TARGETS.throughput * 0.98,
    },
    {
      name: `p99 commit-to-start < ${TARGETS.p99Ms} ms`,
      value: f(worst((r) => r.p99Ms, true)),
      ok: worst((r) => r.p99Ms, true) < TARGETS.p99Ms,
    },
    {
      name: `CPU per event ≤ ${TARGETS.cpuRatio}× direct BullMQ`,
      value: ratio ? `${f(ratio.cpuRatio, 2)}× (${f(ratio.cpuRatioWithoutRedis, 2)}× without Redis)` : '–',
      ok: ratio !== undefined && ratio.cpuRatio <= TARGETS.cpuRatio,
    },
    {
      name: 'no event lost or handled twice (every setup)',
      value: String(lostOrDoubled),
      ok: lostOrDoubled === 0,
    },
  ];
}

export function formatTargets(checks: readonly TargetCheck[], comparisons: readonly Comparison[]): string {
  const lines = comparisons.map(
    (c) =>
      `${c.setup} / ${c.anchor}: CPU per event ${f(c.cpuRatio, 2)}× (${f(c.cpuRatioWithoutRedis, 2)}× without Redis)`,
  );
  for (const check of checks) lines.push(`${check.ok ? 'PASS' : 'FAIL'} ${check.name}: ${check.value}`);
  return lines.join('\n');
}
