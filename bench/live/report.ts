/** Medians, targets and the printed tables of the live benchmark. */
import { HLS_JS_LIVE_SYNC_SEGMENTS, median, WATCH_PAGE_HOLD_BACK_SEGMENTS } from './latency.ts';
import type { RunResult } from './measure-run.ts';
import { isMediaNode, type SetupName } from './setups.ts';

export const SETUP_LABEL: Record<SetupName, string> = {
  streamhub: 'StreamHub media node',
  'streamhub-ll': 'StreamHub media node, LL-HLS',
  ffmpeg: 'plain ffmpeg (same ladder, -listen)',
};

/** A run is clean when the machine left it alone and the ladder kept up with live. */
export function isClean(result: RunResult, maxOthersCores: number): boolean {
  return result.cpu.othersCores <= maxOthersCores && !(result.mediaPerWallSecond < 0.97);
}

export interface SetupSummary {
  setup: SetupName;
  runs: number;
  cleanRuns: number;
  /** Medians over the clean runs (over all runs if none is clean). */
  playableS: number;
  playableFromFirstMediaS: number;
  /** LL-HLS: publish → master and every variant listing a part. */
  firstPartS: number;
  masterS: number;
  variantsS: Record<string, number>;
  firstMediaS: number;
  latenessS: number;
  glassToGlassS: number;
  targetDurationS: number;
  cpuPerSecond: number;
  rootCpuPerSecond: number;
  ladderCpuPerSecond: number;
  thumbnailCpuS: number;
  /** StreamHub: the node process's CPU as a share of its ladder's, per run (an upper bound of the overhead: it includes receiving RTMP). */
  nodeShareOfLadder: number;
  othersCores: number;
}

export function summarise(setup: SetupName, all: RunResult[], maxOthersCores: number): SetupSummary {
  const mine = all.filter((r) => r.setup === setup);
  const clean = mine.filter((r) => isClean(r, maxOthersCores));
  const used = clean.length > 0 ? clean : mine;
  const m = (pick: (r: RunResult) => number | undefined) => median(used.map((r) => pick(r) ?? Number.NaN));
  const variants = Object.keys(used[0]?.times.variants ?? {});
  return {
    setup,
    runs: mine.length,
    cleanRuns: clean.length,
    playableS: m((r) => r.times.playable),
    playableFromFirstMediaS: m((r) => r.times.playable - (r.times.firstMedia ?? Number.NaN)),
    firstPartS: m((r) => r.times.firstPart),
    masterS: m((r) => r.times.master),
    variantsS: Object.fromEntries(variants.map((v) => [v, m((r) => r.times.variants[v])])),
    firstMediaS: m((r) => r.times.firstMedia),
    latenessS: m((r) => r.latenessS.median),
    glassToGlassS: m((r) => r.glassToGlass.totalS),
    targetDurationS: m((r) => r.targetDurationS),
    cpuPerSecond: m((r) => r.cpu.totalPerSecond),
    rootCpuPerSecond: m((r) => r.cpu.rootPerSecond),
    ladderCpuPerSecond: m((r) => r.cpu.ladderPerSecond),
    thumbnailCpuS: m((r) => r.cpu.thumbnailCpuS),
    nodeShareOfLadder: m((r) =>
      isMediaNode(r.setup) ? r.cpu.rootPerSecond / r.cpu.ladderPerSecond : undefined,
    ),
    othersCores: m((r) => r.cpu.othersCores),
  };
}

export interface Target {
  name: string;
  pass: boolean;
  measured: string;
}

/**
 * CPU ratio `a` / `b` of each round (StreamHub / plain ffmpeg by default): a round is one run of every
 * setup, consecutive in `results`.
 */
export function pairedCpuRatios(
  results: RunResult[],
  a: SetupName = 'streamhub',
  b: SetupName = 'ffmpeg',
): number[] {
  const perRound = new Set(results.map((r) => r.setup)).size;
  const ratios: number[] = [];
  for (let i = 0; i + perRound <= results.length; i += perRound) {
    const round = results.slice(i, i + perRound);
    const x = round.find((r) => r.setup === a);
    const y = round.find((r) => r.setup === b);
    if (x && y) ratios.push(x.cpu.totalPerSecond / y.cpu.totalPerSecond);
  }
  return ratios;
}

/**
 * Publish → playable as a streamer with a live encoder sees it. With the replayed publisher the first
 * media comes at once, so the live encoder's measured start-up replaces the replay's.
 */
export function playableWithLiveEncoder(
  s: SetupSummary,
  publisher: 'replay' | 'live',
  liveEncoderStartUpS: number | undefined,
): number {
  if (publisher === 'live' || liveEncoderStartUpS === undefined) return s.playableS;
  return s.playableFromFirstMediaS + liveEncoderStartUpS;
}

export function evaluateTargets(
  sh: SetupSummary,
  ff: SetupSummary,
  results: RunResult[],
  startUp: { streamhubS: number; note: string },
): Target[] {
  const cpuRatio = sh.cpuPerSecond / ff.cpuPerSecond;
  const paired = median(pairedCpuRatios(results));
  const gap = sh.playableS - ff.playableS;
  return [
    {
      name: 'first playable segment ≤ 3 s after publish (1 s segments)',
      pass: startUp.streamhubS <= 3,
      measured: `${startUp.streamhubS.toFixed(2)} s ${startUp.note}`,
    },
    {
      name: 'first playable segment ≤ 0.5 s after plain ffmpeg’s',
      pass: gap <= 0.5,
      measured: `${gap >= 0 ? '+' : ''}${gap.toFixed(2)} s (${sh.playableS.toFixed(2)} vs ${ff.playableS.toFixed(2)} s)`,
    },
    {
      name: 'pipeline CPU overhead < 5 % of plain ffmpeg',
      pass: cpuRatio < 1.05 && paired < 1.05,
      measured: `${pct(cpuRatio - 1)} (ratio of medians ${cpuRatio.toFixed(3)}; median of per-round ratios ${paired.toFixed(3)})`,
    },
    {
      name: `expected glass-to-glass < 4 s (watch page: ${WATCH_PAGE_HOLD_BACK_SEGMENTS} segments held back)`,
      pass: sh.glassToGlassS < 4,
      measured: `${sh.glassToGlassS.toFixed(2)} s (an hls.js player at its defaults, ${HLS_JS_LIVE_SYNC_SEGMENTS} segments: ${(sh.glassToGlassS + (HLS_JS_LIVE_SYNC_SEGMENTS - WATCH_PAGE_HOLD_BACK_SEGMENTS) * sh.targetDurationS).toFixed(2)} s)`,
    },
  ];
}

/**
 * Expected glass-to-glass with the watch page in LL mode: the live encoder's delay, how late a part is
 * listed after its media ends (an LL segment is listed complete with its last part, so the LL ladder's
 * segment lateness is its parts'), hls.js's hold-back in low-latency mode (the playlist's PART-HOLD-BACK,
 * three parts) and half a part (average age of the live edge when the player looks).
 */
export function llGlassToGlass(ll: SetupSummary, encoderDelayS: number, partTargetS: number) {
  const holdBackS = 3 * partTargetS;
  return {
    totalS: encoderDelayS + ll.latenessS + holdBackS + partTargetS / 2,
    encoderDelayS,
    latenessS: ll.latenessS,
    holdBackS,
    halfPartS: partTargetS / 2,
  };
}

/** Issue 18's targets for LL-HLS, against the classic ladder measured in the same run. */
export function evaluateLlTargets(
  ll: SetupSummary,
  sh: SetupSummary,
  results: RunResult[],
  glassToGlassS: number,
): Target[] {
  const ratio = ll.cpuPerSecond / sh.cpuPerSecond;
  const paired = median(pairedCpuRatios(results, 'streamhub-ll', 'streamhub'));
  return [
    {
      name: 'LL-HLS: expected glass-to-glass ≤ 2.0 s with the watch page',
      pass: glassToGlassS <= 2,
      measured: `${glassToGlassS.toFixed(2)} s`,
    },
    {
      name: 'LL-HLS: CPU ≤ 1.1 × the classic ladder’s',
      pass: ratio <= 1.1 && paired <= 1.1,
      measured: `${ratio.toFixed(3)} × (ratio of medians; median of per-round ratios ${paired.toFixed(3)})`,
    },
  ];
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
const s2 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(2));
const s3 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(3));

export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** One line per run: where the time went, and the CPU. */
export function formatRuns(results: RunResult[], maxOthersCores: number): string {
  const variants = Object.keys(results[0]?.times.variants ?? {});
  const header = [
    'run',
    'setup',
    'load 1m',
    'others',
    'first media',
    'accepted',
    'ladder spawned',
    'ladder connected',
    'master',
    ...variants.map((v) => v.replace('.m3u8', '')),
    'playable',
    'lateness',
    'G2G',
    'CPU s/s',
    'node',
    'ladder',
    'publisher',
    'clean',
  ];
  const rows = results.map((r) => [
    String(r.run),
    r.setup,
    s2(r.loadBefore[0]),
    s2(r.cpu.othersCores),
    s2(r.times.firstMedia),
    s2(r.times.accepted),
    s2(r.times.ladderSpawned),
    s2(r.times.ladderConnected),
    s2(r.times.master),
    ...variants.map((v) => s2(r.times.variants[v])),
    s2(r.times.playable),
    s2(r.latenessS.median),
    s2(r.glassToGlass.totalS),
    s3(r.cpu.totalPerSecond),
    isMediaNode(r.setup) ? s3(r.cpu.rootPerSecond) : '–',
    s3(r.cpu.ladderPerSecond),
    s3(r.cpu.publisherPerSecond),
    isClean(r, maxOthersCores) ? 'yes' : 'no',
  ]);
  return formatTable(header, rows);
}

export function formatSummary(summaries: SetupSummary[]): string {
  const variants = Object.keys(summaries[0]?.variantsS ?? {});
  const header = [
    'setup',
    'clean runs',
    'first media',
    'master',
    ...variants.map((v) => v.replace('.m3u8', '')),
    'playable',
    'playable − first media',
    'lateness',
    'G2G',
    'CPU s/s',
  ];
  const rows = summaries.map((s) => [
    SETUP_LABEL[s.setup],
    `${s.cleanRuns}/${s.runs}`,
    s2(s.firstMediaS),
    s2(s.masterS),
    ...variants.map((v) => s2(s.variantsS[v])),
    s2(s.playableS),
    s2(s.playableFromFirstMediaS),
    s2(s.latenessS),
    s2(s.glassToGlassS),
    s3(s.cpuPerSecond),
  ]);
  return formatTable(header, rows);
}

export function formatTargets(targets: Target[]): string {
  return formatTable(
    ['target', 'result', 'measured'],
    targets.map((t) => [t.name, t.pass ? 'PASS' : 'FAIL', t.measured]),
  );
}
