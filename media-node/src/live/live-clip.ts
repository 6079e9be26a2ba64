/**
 * Clips cut from HLS segments already stored into one MP4: the last N seconds of a live session's window
 * (`cutLiveClip`), or N seconds from a point of a finished video's ladder, a broadcast's recording or an
 * upload (`cutRangeClip`). The highest rung is used. Works through the media storage (segments are copied
 * into a private temporary directory), so the caller need not share the media node's disk, and for
 * MPEG-TS as well as fMP4 (`EXT-X-MAP`) playlists.
 *
 * Frame-accurate: the whole segments that cover the span are read, decoded from their first keyframe and
 * re-encoded from the asked point for exactly the asked length (x264 `ultrafast`, high quality: the clip is
 * a source that the video pipeline transcodes into its ladder anyway). Re-encoding only the partial GOPs at
 * the edges and stream-copying the middle costs about a fifth of the CPU, but joining two encoders' H.264
 * (other parameter sets, B-frame reordering at the joins) gave non-monotonic timestamps and extra frames
 * in ffmpeg 5.1; against the ladder transcode that follows (about 1 CPU-s per second of 720p media) the
 * whole-clip encode (about 0.25 CPU-s per second) is the smaller cost. docs/benchmarks.md has the figures.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyIn, type MediaPrefix } from '@streamhub/infra/media-storage/keys';
import { type MediaStorage, readMediaBytes } from '@streamhub/infra/media-storage/port';
import { guarded } from '../ffmpeg/spawn.ts';
import { variantPlaylists } from './live-manager.ts';

export class ClipSourceError extends Error {}

export interface LiveSegment {
  uri: string;
  duration: number;
  /** The init section this fMP4 segment needs (the `EXT-X-MAP` before it); absent for MPEG-TS. */
  map?: string;
}

export interface ParsedPlaylist {
  /** The init section of an fMP4 playlist (`EXT-X-MAP`). */
  map: string | undefined;
  segments: LiveSegment[];
}

/** Whole segments of a media playlist (parts and other tags are ignored); relative URIs only. */
export function parseMediaPlaylist(text: string): ParsedPlaylist {
  let map: string | undefined;
  let pending: number | undefined;
  const segments: LiveSegment[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXT-X-MAP:')) map = /URI="([^"]+)"/.exec(line)?.[1];
    else if (line.startsWith('#EXTINF:')) pending = Number.parseFloat(line.slice('#EXTINF:'.length));
    else if (line && !line.startsWith('#') && pending !== undefined) {
      segments.push({ uri: line, duration: pending, ...(map ? { map } : {}) });
      pending = undefined;
    }
  }
  return { map, segments };
}

/** The trailing segments that cover `seconds` (all of them when the window is shorter). */
export function lastSegments(segments: LiveSegment[], seconds: number): LiveSegment[] {
  let total = 0;
  let first = segments.length;
  while (first > 0 && total < seconds) {
    first -= 1;
    total += segments[first]?.duration ?? 0;
  }
  return segments.slice(first);
}

/**
 * The segments that cover `seconds` from `startSeconds` (media time from the playlist's start): from the
 * one that holds the start to the one that holds the end. Empty when the playlist ends before the start.
 */
export function segmentsInRange(
  segments: LiveSegment[],
  startSeconds: number,
  seconds: number,
): LiveSegment[] {
  const end = startSeconds + seconds;
  const chosen: LiveSegment[] = [];
  let at = 0;
  for (const segment of segments) {
    const segmentEnd = at + segment.duration;
    // A segment ending exactly at the start holds none of the span.
    if (segmentEnd > startSeconds && at < end) chosen.push(segment);
    at = segmentEnd;
  }
  return chosen;
}

const safeName = (uri: string) => /^[A-Za-z0-9._-]+$/.test(uri) && !uri.startsWith('.');

/** The rung with the most pixels: its name sorts by height (`1080p.m3u8` > `720p.m3u8`). */
async function topRung(media: MediaStorage, prefix: MediaPrefix): Promise<string | undefined> {
  const names = await variantPlaylists(media, prefix);
  return names.sort((a, b) => Number.parseInt(b, 10) - Number.parseInt(a, 10))[0];
}

export interface LiveClipResult {
  /** The clip as MP4 (faststart), ready to become a video's source. */
  bytes: Buffer;
  /** Seconds of media in the clip: the asked length, unless the window or the video was shorter. */
  seconds: number;
  /** Where the clip starts, seconds from the start of the playlist (to the frame). */
  startSeconds: number;
}

interface ClipSource {
  media: MediaStorage;
  /** Where the HLS ladder is stored: `live/<playbackId>` or `vod/<videoId>`. */
  prefix: MediaPrefix;
  ffmpegPath: string;
}

/** Cuts the last `seconds` of the live session stored under `prefix` into an MP4. */
export function cutLiveClip(options: ClipSource & { seconds: number }): Promise<LiveClipResult> {
  return cutSegments(options, (segments) => {
    const chosen = lastSegments(segments, options.seconds);
    if (chosen.length === 0) throw new ClipSourceError('the live stream has no segment yet');
    const kept = oneInitSection(chosen, 'newest');
    const covered = kept.reduce((sum, s) => sum + s.duration, 0);
    // The last `seconds` of what the segments hold: the clip ends where the newest segment does.
    return { chosen: kept, offset: Math.max(0, covered - options.seconds), seconds: options.seconds };
  });
}

/**
 * Cuts `seconds` from `startSeconds` of a finished video whose ladder is stored under `prefix` (a
 * recording's `live/<playbackId>` or a processed video's `vod/<videoId>`) into an MP4.
 */
export function cutRangeClip(
  options: ClipSource & { startSeconds: number; seconds: number },
): Promise<LiveClipResult> {
  return cutSegments(options, (segments) => {
    const chosen = segmentsInRange(segments, options.startSeconds, options.seconds);
    if (chosen.length === 0) throw new ClipSourceError('the video ends before the start of the clip');
    const kept = oneInitSection(chosen, 'oldest');
    const first = segments.indexOf(kept[0] as LiveSegment);
    const keptStart = segments.slice(0, first).reduce((sum, s) => sum + s.duration, 0);
    return {
      chosen: kept,
      offset: Math.max(0, options.startSeconds - keptStart),
      seconds: options.seconds,
    };
  });
}

/**
 * A remux reads one init section, so segments of two ffmpeg runs (an LL broadcast's reconnect or restart
 * starts a new `EXT-X-MAP`) cannot share a clip: keep the run that holds the newest segment (live: the
 * end is what was asked for) or the oldest (a range: its start is).
 */
export function oneInitSection(chosen: LiveSegment[], keep: 'newest' | 'oldest'): LiveSegment[] {
  const anchor = keep === 'newest' ? chosen.at(-1) : chosen[0];
  return chosen.filter((segment) => segment.map === anchor?.map);
}

/** The segments a clip is cut from, and where in them (seconds from the first one's start) and how long. */
interface ClipPlan {
  chosen: LiveSegment[];
  offset: number;
  seconds: number;
}

async function cutSegments(
  options: ClipSource,
  plan: (segments: LiveSegment[]) => ClipPlan,
): Promise<LiveClipResult> {
  const { media, prefix } = options;
  const rung = await topRung(media, prefix);
  if (!rung) throw new ClipSourceError('there is no playlist to clip from yet');
  const text = (await readMediaBytes(media, keyIn(prefix, rung)))?.toString('utf8') ?? '';
  const playlist = parseMediaPlaylist(text);
  const { chosen, offset, seconds: asked } = plan(playlist.segments);
  const map = chosen[0]?.map;
  const names = [...(map ? [map] : []), ...chosen.map((s) => s.uri)];
  if (!names.every(safeName)) throw new ClipSourceError('unexpected segment names in the playlist');

  const dir = await mkdtemp(join(tmpdir(), 'streamhub-clip-'));
  try {
    for (const name of names) {
      const bytes = await readMediaBytes(media, keyIn(prefix, name));
      if (!bytes) throw new ClipSourceError('a segment went away while clipping; try again');
      await writeFile(join(dir, name), bytes);
    }
    const covered = chosen.reduce((sum, s) => sum + s.duration, 0);
    const seconds = Math.min(asked, covered - offset);
    const first = playlist.segments.indexOf(chosen[0] as LiveSegment);
    const firstStart = playlist.segments.slice(0, first).reduce((sum, s) => sum + s.duration, 0);
    const local = [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      `#EXT-X-TARGETDURATION:${Math.ceil(Math.max(...chosen.map((s) => s.duration)))}`,
      '#EXT-X-PLAYLIST-TYPE:VOD',
      ...(map ? [`#EXT-X-MAP:URI="${map}"`] : []),
      ...chosen.flatMap((s) => [`#EXTINF:${s.duration.toFixed(6)},`, s.uri]),
      '#EXT-X-ENDLIST',
      '',
    ].join('\n');
    await writeFile(join(dir, 'clip.m3u8'), local);
    const output = join(dir, 'clip.mp4');
    await runFfmpeg(options.ffmpegPath, clipArgs(join(dir, 'clip.m3u8'), output, offset, seconds));
    if ((await stat(output)).size === 0) throw new ClipSourceError('the clip came out empty');
    return { bytes: await readFile(output), seconds, startSeconds: firstStart + offset };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * ffmpeg's arguments for a clip: `seconds` from `offset` seconds into the local playlist, decoded and
 * re-encoded to the frame. Each stream is trimmed from its own first timestamp (the first segment's
 * keyframe for video): an output `-ss` counts from the earliest stream, and a segment's audio starts up
 * to a frame before its video, which put clips two frames early. ffmpeg 5.1's HLS demuxer cannot seek
 * in fMP4 segments, so the frames before the point are decoded and dropped (at most a segment's worth).
 * `-af` is ignored when the source has no audio.
 */
export function clipArgs(input: string, output: string, offset: number, seconds: number): string[] {
  const span = `start=${offset.toFixed(6)}:duration=${seconds.toFixed(6)}`;
  return [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-allowed_extensions', 'ALL'],
    ...['-i', input, '-map', '0:v:0', '-map', '0:a:0?'],
    ...['-vf', `setpts=PTS-STARTPTS,trim=${span},setpts=PTS-STARTPTS`],
    ...['-af', `asetpts=PTS-STARTPTS,atrim=${span},asetpts=PTS-STARTPTS`],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '18', '-pix_fmt', 'yuv420p'],
    ...['-c:a', 'aac', '-b:a', '160k'],
    ...['-movflags', '+faststart', '-f', 'mp4', '-y', output],
  ];
}

function runFfmpeg(ffmpegPath: string, args: string[]): Promise<void> {
  const run = guarded(ffmpegPath, args);
  return new Promise((resolve, reject) => {
    execFile(run.command, run.args, { timeout: 180_000 }, (error, _stdout, stderr) => {
      if (error)
        reject(new Error(`ffmpeg could not cut the clip: ${String(stderr).trim() || error.message}`));
      else resolve();
    });
  });
}
