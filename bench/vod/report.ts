/** Medians, ratios, targets and the printed tables of the VOD benchmark. */
import { median } from '../live/latency.ts';
import type { RunResult, VodBenchResult } from './measure.ts';
import { SETUP_LABEL, SETUPS, type SetupName } from './setups.ts';

/** StreamHub may take at most this much longer than the same command by hand. */
export const MAX_STREAMHUB_OVERHEAD = 1.05;
/** "Clearly faster": separate runs must take at least this many times as long as one decode. */
export const MIN_SEPARATE_OVER_ONE_DECODE = 1.1;
/** A run during which the rest of the machine kept more cores busy than this is marked noisy. */
export const NOISY_OTHERS_CORES = 0.3;

export interface SetupSummary {
  setup: SetupName;
  runs: number;
  wallS: number;
  /** Seconds of media per wall second (clip seconds / median wall seconds). */
  speed: number;
  ffmpegCpuS: number;
  /** ffmpeg CPU-s per second of media. */
  cpuPerMediaS: number;
  nodeCpuS: number;
  othersCores: number;
}

export function summarise(result: VodBenchResult): SetupSummary[] {
  return SETUPS.map((setup) => {
    const mine = result.runs.filter((r) => r.setup === setup);
    const m = (pick: (r: RunResult) => number) => median(mine.map(pick));
    const wallS = m((r) => r.wallS);
    const ffmpegCpuS = m((r) => r.ffmpegCpuS);
    return {
      setup,
      runs: mine.length,
      wallS,
      speed: result.clipSeconds / wallS,
      ffmpegCpuS,
      cpuPerMediaS: ffmpegCpuS / result.clipSeconds,
      nodeCpuS: m((r) => r.nodeCpuS),
      othersCores: m((r) => r.othersCores),
    };
  });
}

/** Wall-time ratio `a / b` within each round. */
export function roundRatios(runs: RunResult[], a: SetupName, b: SetupName): number[] {
  const rounds = [...new Set(runs.map((r) => r.round))];
  return rounds.flatMap((round) => {
    const ra = runs.find((r) => r.round === round && r.setup === a);
    const rb = runs.find((r) => r.round === round && r.setup === b);
    return ra && rb ? [ra.wallS / rb.wallS] : [];
  });
}

export interface Ratio {
  /** Ratio of the median wall times. */
  ofMedians: number;
  perRound: number[];
  /** Ratio of the median ffmpeg CPU seconds: the work done, which a busy machine changes less than wall time. */
  cpuOfMedians: number;
}

export interface Comparison {
  streamhubOverPlain: Ratio;
  separateOverOneDecode: Ratio;
}

export function compare(result: VodBenchResult, summaries: SetupSummary[]): Comparison {
  const wall = (setup: SetupName) => summaries.find((s) => s.setup === setup)?.wallS ?? Number.NaN;
  const cpu = (setup: SetupName) => summaries.find((s) => s.setup === setup)?.ffmpegCpuS ?? Number.NaN;
  return {
    streamhubOverPlain: {
      ofMedians: wall('streamhub') / wall('ffmpeg'),
      perRound: roundRatios(result.runs, 'streamhub', 'ffmpeg'),
      cpuOfMedians: cpu('streamhub') / cpu('ffmpeg'),
    },
    // One decode is the hand-run command: the same work as separate runs, minus StreamHub.
    separateOverOneDecode: {
      ofMedians: wall('separate') / wall('ffmpeg'),
      perRound: roundRatios(result.runs, 'separate', 'ffmpeg'),
      cpuOfMedians: cpu('separate') / cpu('ffmpeg'),
    },
  };
}

export interface Target {
  name: string;
  pass: boolean;
  measured: string;
}

const ratioText = (r: Ratio) =>
  `wall ${r.ofMedians.toFixed(3)} (per round ${r.perRound.map((x) => x.toFixed(3)).join(', ')}); ffmpeg CPU ${r.cpuOfMedians.toFixed(3)}`;

export function evaluateTargets(comparison: Comparison): Target[] {
  const { streamhubOverPlain: sh, separateOverOneDecode: sep } = comparison;
  return [
    {
      name: `StreamHub within ${Math.round((MAX_STREAMHUB_OVERHEAD - 1) * 100)}% of plain ffmpeg (wall ratio ≤ ${MAX_STREAMHUB_OVERHEAD})`,
      pass: sh.ofMedians <= MAX_STREAMHUB_OVERHEAD,
      measured: ratioText(sh),
    },
    {
      name: `one decode clearly faster than separate runs (separate / one ≥ ${MIN_SEPARATE_OVER_ONE_DECODE})`,
      pass: sep.ofMedians >= MIN_SEPARATE_OVER_ONE_DECODE,
      measured: ratioText(sep),
    },
  ];
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatRuns(result: VodBenchResult): string {
  return table(
    ['round', 'setup', 'wall s', '×real time', 'ffmpeg CPU-s', 'node CPU-s', 'others cores', 'load 1m'],
    result.runs.map((r) => [
      String(r.round),
      r.setup + (r.othersCores > NOISY_OTHERS_CORES ? ' (noisy)' : ''),
      r.wallS.toFixed(1),
      (result.clipSeconds / r.wallS).toFixed(2),
      r.ffmpegCpuS.toFixed(1),
      r.nodeCpuS.toFixed(2),
      r.othersCores.toFixed(2),
      r.loadBefore.toFixed(2),
    ]),
  );
}

export function formatSummary(summaries: SetupSummary[]): string {
  return table(
    [
      'setup',
      'runs',
      'median wall s',
      '×real time',
      'ffmpeg CPU-s',
      'CPU-s per media s',
      'node CPU-s',
      'others cores',
    ],
    summaries.map((s) => [
      SETUP_LABEL[s.setup],
      String(s.runs),
      s.wallS.toFixed(1),
      s.speed.toFixed(2),
      s.ffmpegCpuS.toFixed(1),
      s.cpuPerMediaS.toFixed(3),
      s.nodeCpuS.toFixed(2),
      s.othersCores.toFixed(2),
    ]),
  );
}

export const formatTargets = (targets: Target[]): string =>
  targets.map((t) => `${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.measured}`).join('\n');
