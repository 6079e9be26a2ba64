/**
 * Pure builders for the live HLS ladder: which rungs a source gets, and the
 * complete argument list of the ONE ffmpeg process that writes them (one
 * decode, `split` feeding every rung, aligned keyframes, HLS variants and a
 * master playlist). No process, no I/O: unit-tested as plain data.
 */

/** What the ingest knows about the published stream. */
export interface SourceInfo {
  width: number;
  height: number;
  /** Frames per second; 0 or unknown → 30 is assumed. */
  fps: number;
  hasAudio: boolean;
}

export interface LadderSettings {
  /** Rung heights (any order) or `passthrough` (remux only, no encode). */
  ladder: number[] | 'passthrough';
  segmentSeconds: number;
  /** Segments kept in a live playlist (ignored when recording: all are kept). */
  windowSegments: number;
  x264Preset: string;
}

/** A live rung: named `720p`…, or `source` for passthrough, whose `videoKbps` is 0 (copied). */
export type Rung = EncodedRendition;

/** Spec of one ffmpeg run, shaped for a command builder (input options, input, output options, output). */
export interface FfmpegInvocation {
  inputOptions: string[];
  input: string;
  outputOptions: string[];
  output: string;
}

export interface LiveHlsArgsInput {
  /** Where ffmpeg reads the stream (stays inside the process and its child). */
  input: string;
  /** Directory the playlists and segments go to (named by playback id). */
  outputDir: string;
  source: SourceInfo;
  settings: LadderSettings;
  /** Keep every segment and write an EVENT playlist, so the session can become a VOD. */
  record: boolean;
  /** Continue existing playlists (reconnect or restart): append with a discontinuity. */
  append: boolean;
}

export const MASTER_PLAYLIST = 'master.m3u8';

const KNOWN_VIDEO_KBPS: Record<number, number> = {
  2160: 14000,
  1440: 8000,
  1080: 5000,
  720: 2800,
  480: 1400,
  360: 800,
  240: 400,
  144: 200,
};

/** Video bitrate for a rung height: the usual table, else scaled by pixel count from 720p. */
export function videoKbpsFor(height: number): number {
  const known = KNOWN_VIDEO_KBPS[height];
  if (known !== undefined) return known;
  return Math.max(150, Math.round((2800 * (height * height)) / (720 * 720) / 50) * 50);
}

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

export const DEFAULT_FPS = 30;

export function effectiveFps(source: SourceInfo): number {
  return Number.isFinite(source.fps) && source.fps > 0 ? source.fps : DEFAULT_FPS;
}

/**
 * The rungs for a source: heights above the source are skipped (no upscaling);
 * if every rung is above it, one rung at the source height. Highest first.
 */
export function planRungs(source: SourceInfo, ladder: number[] | 'passthrough'): Rung[] {
  if (ladder === 'passthrough') {
    return [
      {
        name: 'source',
        width: source.width,
        height: source.height,
        videoKbps: 0,
        maxrateKbps: 0,
        bufsizeKbps: 0,
        audioKbps: 0,
      },
    ];
  }
  const heights = [...new Set(ladder)].filter((h) => h > 0).sort((a, b) => b - a);
  let kept = heights.filter((h) => h <= source.height);
  if (kept.length === 0) kept = [even(source.height)];
  return kept.map((height, index) => {
    const videoKbps = videoKbpsFor(height);
    return {
      name: `${height}p`,
      width: even((source.width * height) / source.height),
      height,
      videoKbps,
      maxrateKbps: Math.round(videoKbps * 1.07),
      bufsizeKbps: videoKbps * 2,
      audioKbps: index === 0 ? 128 : 96,
    };
  });
}

/** GOP length in frames: one keyframe per segment so every rung cuts at the same instants. */
export function gopFrames(source: SourceInfo, segmentSeconds: number): number {
  return Math.max(1, Math.round(effectiveFps(source) * segmentSeconds));
}

function hlsFlags(record: boolean, append: boolean): string {
  const flags = ['independent_segments', 'omit_endlist'];
  if (!record) flags.push('delete_segments');
  if (append) flags.push('append_list', 'discont_start');
  return flags.join('+');
}

/** The full invocation of the live ladder process. */
export function buildLiveHlsInvocation(input: LiveHlsArgsInput): FfmpegInvocation {
  const { source, settings, record, append } = input;
  const passthrough = settings.ladder === 'passthrough';
  const rungs = planRungs(source, settings.ladder);
  const dir = input.outputDir.replace(/\/+$/, '');
  const seg = settings.segmentSeconds;

  // The ingest already knows the streams (it waited for video and audio), so probe briefly. No
  // `-fflags nobuffer`: it makes ffmpeg drop the probed packets and wait for the next keyframe, which
  // cost ~1.5 s to first playable segment in bench/live (docs/benchmarks.md, "Live pipeline").
  const inputOptions = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-analyzeduration', '500000'];
  const out: string[] = [];

  if (passthrough) {
    out.push('-map', '0:v:0');
    if (source.hasAudio) out.push('-map', '0:a:0');
    out.push('-c', 'copy');
  } else {
    out.push(
      ...oneDecodeLadderArgs({
        rungs,
        hasAudio: source.hasAudio,
        videoInput: '[0:v]',
        preset: settings.x264Preset,
        tune: 'zerolatency',
        profile: 'main',
        gop: gopFrames(source, seg),
        keyframeSeconds: seg,
      }),
    );
  }

  const streamMap = varStreamMap(rungs, source.hasAudio);

  out.push('-f', 'hls', '-hls_time', String(seg));
  if (record) out.push('-hls_list_size', '0', '-hls_playlist_type', 'event');
  else out.push('-hls_list_size', String(settings.windowSegments));
  out.push(
    '-hls_flags',
    hlsFlags(record, append),
    '-hls_segment_type',
    'mpegts',
    '-hls_segment_filename',
    `${dir}/%v-%06d.ts`,
    '-master_pl_name',
    MASTER_PLAYLIST,
    '-var_stream_map',
    streamMap,
  );

  return { inputOptions, input: input.input, outputOptions: out, output: `${dir}/%v.m3u8` };
}

/** The invocation as one argv (after the binary), e.g. to run the same ladder by hand in a benchmark. */
export function toArgv(invocation: FfmpegInvocation): string[] {
  return [
    ...invocation.inputOptions,
    '-i',
    invocation.input,
    ...invocation.outputOptions,
    '-y',
    invocation.output,
  ];
}

/** File names of the variant playlists a ladder writes, relative to its output dir. */
export function variantPlaylists(rungs: Rung[]): string[] {
  return rungs.map((r) => `${r.name}.m3u8`);
}

/** What one rendition of a ladder is encoded at; live rungs and VOD renditions both have it. */
export interface EncodedRendition {
  /** Variant name, used in file names: `720p.m3u8` and its segments. */
  name: string;
  width: number;
  height: number;
  /** Target video bitrate in kbit/s. */
  videoKbps: number;
  maxrateKbps: number;
  bufsizeKbps: number;
  audioKbps: number;
}

export interface OneDecodeLadderOptions {
  rungs: readonly EncodedRendition[];
  hasAudio: boolean;
  /** The filter graph's input pad, e.g. `[0:v]`. */
  videoInput: string;
  preset: string;
  tune?: 'zerolatency';
  profile: 'main' | 'high';
  /** Frames between keyframes, the same on every rung so that segments align. */
  gop: number;
  keyframeSeconds: number;
}

/**
 * One decode split to every rung (FFmpeg runs filters and encoders from one thread, so decoding once is
 * the saving), each scaled and encoded by x264 at its own bitrate, with AAC audio per rung.
 */
export function oneDecodeLadderArgs(o: OneDecodeLadderOptions): string[] {
  const out: string[] = [];
  const splits = o.rungs.map((_, i) => `[s${i}]`).join('');
  const scales = o.rungs.map((r, i) => `[s${i}]scale=w=${r.width}:h=${r.height}[v${i}]`).join(';');
  out.push('-filter_complex', `${o.videoInput}split=${o.rungs.length}${splits};${scales}`);
  o.rungs.forEach((_, i) => {
    out.push('-map', `[v${i}]`);
    if (o.hasAudio) out.push('-map', '0:a:0');
  });
  out.push('-c:v', 'libx264', '-preset', o.preset);
  if (o.tune) out.push('-tune', o.tune);
  out.push(
    '-profile:v',
    o.profile,
    '-pix_fmt',
    'yuv420p',
    '-g',
    String(o.gop),
    '-keyint_min',
    String(o.gop),
    '-sc_threshold',
    '0',
    '-force_key_frames',
    `expr:gte(t,n_forced*${o.keyframeSeconds})`,
  );
  o.rungs.forEach((r, i) => {
    out.push(
      `-b:v:${i}`,
      `${r.videoKbps}k`,
      `-maxrate:v:${i}`,
      `${r.maxrateKbps}k`,
      `-bufsize:v:${i}`,
      `${r.bufsizeKbps}k`,
    );
  });
  if (o.hasAudio) {
    out.push('-c:a', 'aac', '-ac', '2', '-ar', '48000');
    o.rungs.forEach((r, i) => {
      out.push(`-b:a:${i}`, `${r.audioKbps}k`);
    });
  }
  return out;
}

/** `-var_stream_map`: one HLS variant per rung, named after it. */
export function varStreamMap(rungs: readonly Pick<EncodedRendition, 'name'>[], hasAudio: boolean): string {
  return rungs.map((r, i) => (hasAudio ? `v:${i},a:${i},name:${r.name}` : `v:${i},name:${r.name}`)).join(' ');
}
