/**
 * Pure builders for the VOD HLS ladder: which renditions a video gets, and the complete argument list
 * of the ONE ffmpeg process that writes them (one decode, `split` feeding every rendition, keyframes
 * aligned across renditions, VOD playlists and a master playlist). No process, no I/O.
 *
 * Rungs are boxes, not heights: rung `720p` is "fits in 1280×720" (720×1280 for portrait), the size
 * players and viewers mean by it. Each rendition keeps the source's aspect ratio inside its box and is
 * never upscaled. The top rendition is the source's own size, named after the smallest box that holds
 * it, so a 1600×900 upload keeps its 900 lines (as `1080p`) rather than dropping to 720p; boxes above
 * that one are skipped, and a lower rung that would be almost the same size as the one above it (less
 * than 10% fewer lines) is skipped too.
 */
import {
  type EncodedRendition,
  type FfmpegInvocation,
  MASTER_PLAYLIST,
  oneDecodeLadderArgs,
  toArgv,
  varStreamMap,
  videoKbpsFor,
} from '../ffmpeg/ladder.ts';

export { MASTER_PLAYLIST } from '../ffmpeg/ladder.ts';

/** What the probe says about the source (displayed size). */
export interface VodSource {
  width: number;
  height: number;
  /** Frames per second; 0 when unknown (30 is assumed for the keyframe interval). */
  fps: number;
  hasAudio: boolean;
}

export interface VodLadderSettings {
  /** Rung sizes by their short side, e.g. `[1080, 720, 480, 360]`. */
  ladder: number[];
  /** HLS segment length; keyframes fall every `segmentSeconds / 2`, so every rendition cuts alike. */
  segmentSeconds: number;
  x264Preset: string;
}

export const DEFAULT_VOD_LADDER: VodLadderSettings = {
  ladder: [1080, 720, 480, 360],
  // Apple's authoring guide suggests 6 s; 4 s starts playback and switches renditions sooner.
  segmentSeconds: 4,
  // Offline, so quality per bit matters more than for live, but a 2-core machine still has to keep up:
  // veryfast encodes 1080p to the 4-rung ladder at ~1.8× real time (FIELD-NOTES).
  x264Preset: 'veryfast',
};

/** One rendition of a video: `720p` names the playlist (`720p.m3u8`) and its segments (`720p-00000.ts`). */
export type VodRendition = EncodedRendition;

const evenFloor = (n: number) => Math.max(2, Math.floor(n / 2) * 2);
// Nearest even size, never above the source's own (even) size: no upscaling, and 720×(2/3) lands on 480.
const evenScaled = (n: number, scale: number) =>
  Math.min(evenFloor(n), Math.max(2, Math.round((n * scale) / 2) * 2));
const roundTo50 = (n: number) => Math.max(150, Math.round(n / 50) * 50);

/** The renditions of a source, highest first (see the module comment for the rules). */
export function planVodRenditions(source: VodSource, ladder: number[]): VodRendition[] {
  const landscape = source.width >= source.height;
  const shortSide = landscape ? source.height : source.width;
  const longSide = landscape ? source.width : source.height;
  const boxes = [...new Set(ladder)].filter((h) => h > 0).sort((a, b) => a - b);
  if (boxes.length === 0) throw new RangeError('The VOD ladder needs at least one rung');

  const planned: VodRendition[] = [];
  for (const box of boxes) {
    const boxLong = (box * 16) / 9;
    const scale = Math.min(1, box / shortSide, boxLong / longSide);
    const short = evenScaled(shortSide, scale);
    const long = evenScaled(longSide, scale);
    const width = landscape ? long : short;
    const height = landscape ? short : long;
    // Bitrates are set for a full box; a smaller picture in it (letterboxed film, small source) needs fewer bits.
    const fill = Math.min(1, (width * height) / (box * boxLong));
    const videoKbps = roundTo50(videoKbpsFor(box) * fill);
    planned.push({
      name: `${box}p`,
      width,
      height,
      videoKbps,
      maxrateKbps: Math.round(videoKbps * 1.07),
      bufsizeKbps: videoKbps * 2,
      audioKbps: 96,
    });
    if (scale === 1) break; // this box holds the whole source: every larger one would be the same size
  }

  const kept: VodRendition[] = [];
  for (const rendition of planned.reverse()) {
    const above = kept.at(-1);
    const lines = (r: VodRendition) => Math.min(r.width, r.height);
    if (above && lines(rendition) > lines(above) * 0.9) continue;
    kept.push(rendition);
  }
  const [top] = kept;
  if (top) top.audioKbps = 128;
  return kept;
}

/** Keyframes every this many frames (half a segment), so every rendition cuts at the same instants. */
export function vodGopFrames(source: VodSource, segmentSeconds: number): number {
  const fps = Number.isFinite(source.fps) && source.fps > 0 ? source.fps : 30;
  return Math.max(1, Math.round((fps * segmentSeconds) / 2));
}

export interface VodTranscodeInput {
  /** The source file (or a recording's playlist). */
  input: string;
  /** Directory the playlists and segments are written to. */
  outputDir: string;
  source: VodSource;
  settings: VodLadderSettings;
  /** Add `-progress pipe:1` (key=value progress blocks on stdout); a benchmark run by hand leaves it out. */
  progress?: boolean;
}

/** The full invocation of the one ffmpeg process that writes the whole ladder. */
export function buildVodTranscodeInvocation(input: VodTranscodeInput): FfmpegInvocation {
  const { source, settings } = input;
  const renditions = planVodRenditions(source, settings.ladder);
  const dir = input.outputDir.replace(/\/+$/, '');
  const keyframeSeconds = settings.segmentSeconds / 2;
  const gop = vodGopFrames(source, settings.segmentSeconds);

  const inputOptions = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
  if (input.progress) inputOptions.push('-progress', 'pipe:1', '-nostats');

  const out = oneDecodeLadderArgs({
    rungs: renditions,
    hasAudio: source.hasAudio,
    videoInput: '[0:v:0]',
    preset: settings.x264Preset,
    profile: 'high',
    gop,
    keyframeSeconds,
  });
  const streamMap = varStreamMap(renditions, source.hasAudio);
  out.push(
    // Sources with sparse or late audio packets otherwise fail with "Too many packets buffered".
    '-max_muxing_queue_size',
    '4096',
    '-f',
    'hls',
    '-hls_time',
    String(settings.segmentSeconds),
    '-hls_playlist_type',
    'vod',
    '-hls_list_size',
    '0',
    '-hls_flags',
    'independent_segments',
    '-hls_segment_type',
    'mpegts',
    '-hls_segment_filename',
    `${dir}/%v-%05d.ts`,
    '-master_pl_name',
    MASTER_PLAYLIST,
    '-var_stream_map',
    streamMap,
  );
  return { inputOptions, input: input.input, outputOptions: out, output: `${dir}/%v.m3u8` };
}

/** The whole command line after the binary, e.g. for a benchmark that runs the same ladder by hand. */
export function buildVodTranscodeArgs(input: VodTranscodeInput): string[] {
  return toArgv(buildVodTranscodeInvocation(input));
}
