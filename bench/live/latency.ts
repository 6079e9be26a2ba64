/**
 * Latency figures derived from segment timing (pure functions).
 *
 * Segment lateness: ffmpeg's output timeline starts at the first frame it decoded, which is the
 * publisher's first frame for the plain-ffmpeg listener and, for StreamHub, the first frame of the
 * GOP node-media-server has cached when the ladder connects (media time 0 as long as it connects
 * within one keyframe interval of the first frame; the run checks this). The frame at media time
 * `t` reaches the server at `firstMediaAt + t` (the publisher is paced in real time), so a segment
 * ending at media time `E` can be complete at `firstMediaAt + E` at the earliest; it is listed at
 * `seenAt`. Lateness = `seenAt − (firstMediaAt + E)`: the pipeline's decode, scale, encode and mux
 * delay for the segment's last frame (its cut needs the next keyframe) plus the watcher's delay.
 *
 * Expected glass-to-glass for a player that holds back N segments:
 *   encoder delay (how long the streamer's x264 holds a frame: look-ahead, B-frames; measured)
 *   + segment lateness (above, median in steady state)
 *   + N × target duration (hls.js `liveSyncDurationCount`: it plays that far behind the live edge;
 *     StreamHub's watch page uses LIVE_HOLD_BACK_SEGMENTS, hls.js's default is 3)
 *   + target duration / 2 (average age of the newest segment when a player loads the playlist)
 * Network time and the player's decode are left out (loopback here).
 */
import { LIVE_HOLD_BACK_SEGMENTS } from '../../api/src/web/player-settings.ts';
import type { SeenSegment } from './hls-watcher.ts';

/** The watch page's hold-back, the player StreamHub ships. */
export const WATCH_PAGE_HOLD_BACK_SEGMENTS = LIVE_HOLD_BACK_SEGMENTS;

/** hls.js `liveSyncDurationCount` default. */
export const HLS_JS_LIVE_SYNC_SEGMENTS = 3;

export interface SegmentTiming {
  index: number;
  /** Media time (s) at which the segment ends, from the first segment's start. */
  endS: number;
  /** Epoch ms the segment was listed in every variant (the slowest variant counts). */
  listedAt: number;
}

/**
 * Segments listed in every variant, in order, with their media end time. Only the run of indexes
 * contiguous from the first segment of each variant is used (a gap would shift every later end).
 */
export function segmentTimings(variants: Record<string, SeenSegment[]>): SegmentTiming[] {
  const lists = Object.values(variants);
  const reference = lists[0];
  if (!reference || reference.length === 0) return [];
  const byIndex = lists.map((list) => new Map(list.map((s) => [s.index, s])));
  const first = reference[0]?.index ?? 0;
  if (!lists.every((list) => list[0]?.index === first)) return [];
  const timings: SegmentTiming[] = [];
  let endS = 0;
  for (let index = first; ; index++) {
    const segments = byIndex.map((m) => m.get(index));
    if (segments.some((s) => s === undefined)) break;
    const present = segments as SeenSegment[];
    // Every rung cuts at the same forced keyframes; the reference variant's durations stand for all.
    endS += byIndex[0]?.get(index)?.durationS ?? 0;
    timings.push({ index, endS, listedAt: Math.max(...present.map((s) => s.seenAt)) });
  }
  return timings;
}

/** Lateness (s) of every segment listed inside [fromMs, toMs]. */
export function segmentLateness(
  timings: SegmentTiming[],
  firstMediaAt: number,
  window: { fromMs: number; toMs: number },
): number[] {
  return timings
    .filter((t) => t.listedAt >= window.fromMs && t.listedAt <= window.toMs)
    .map((t) => (t.listedAt - (firstMediaAt + t.endS * 1000)) / 1000);
}

/** Media seconds listed per wall-clock second over the window (≈ 1.0 when the ladder keeps up). */
export function mediaPerWallSecond(
  timings: SegmentTiming[],
  window: { fromMs: number; toMs: number },
): number {
  const inside = timings.filter((t) => t.listedAt >= window.fromMs && t.listedAt <= window.toMs);
  const first = inside[0];
  const last = inside.at(-1);
  if (!first || !last || first === last) return Number.NaN;
  return (last.endS - first.endS) / ((last.listedAt - first.listedAt) / 1000);
}

export interface GlassToGlass {
  encoderDelayS: number;
  segmentLatenessS: number;
  playerBufferS: number;
  edgeAgeS: number;
  totalS: number;
}

export function expectedGlassToGlass(input: {
  encoderDelayS: number;
  segmentLatenessS: number;
  targetDurationS: number;
  holdBackSegments: number;
}): GlassToGlass {
  const playerBufferS = input.holdBackSegments * input.targetDurationS;
  const edgeAgeS = input.targetDurationS / 2;
  return {
    encoderDelayS: input.encoderDelayS,
    segmentLatenessS: input.segmentLatenessS,
    playerBufferS,
    edgeAgeS,
    totalS: input.encoderDelayS + input.segmentLatenessS + playerBufferS + edgeAgeS,
  };
}

export function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
