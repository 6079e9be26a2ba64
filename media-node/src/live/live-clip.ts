/**
 * Instant clips: the last N seconds of a live session, cut from the HLS segments already in its live
 * window by remuxing (no re-encoding), into one MP4. The highest rung is used. Works through the media
 * storage (segments are copied into a private temporary directory), so the caller need not share the
 * media node's disk, and for MPEG-TS as well as fMP4 (`EXT-X-MAP`) playlists.
 *
 * Segments start on keyframes, so the clip is the last whole segments that cover N seconds: it starts
 * on a keyframe and may run up to one segment longer than asked (a stream-copy seek inside a segment
 * would start on the keyframe after the point, short of N, or need re-encoding the partial GOP).
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
      segments.push({ uri: line, duration: pending });
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

const safeName = (uri: string) => /^[A-Za-z0-9._-]+$/.test(uri) && !uri.startsWith('.');

/** The rung with the most pixels: its name sorts by height (`1080p.m3u8` > `720p.m3u8`). */
async function topRung(media: MediaStorage, prefix: MediaPrefix): Promise<string | undefined> {
  const names = await variantPlaylists(media, prefix);
  return names.sort((a, b) => Number.parseInt(b, 10) - Number.parseInt(a, 10))[0];
}

export interface LiveClipResult {
  /** The clip as MP4 (faststart), ready to become a video's source. */
  bytes: Buffer;
  /** Seconds of media in the segments used (≥ the asked length unless the window was shorter). */
  windowSeconds: number;
}

/** Cuts the last `seconds` of the live session stored under `prefix` into an MP4. */
export async function cutLiveClip(options: {
  media: MediaStorage;
  prefix: MediaPrefix;
  seconds: number;
  ffmpegPath: string;
}): Promise<LiveClipResult> {
  const { media, prefix, seconds } = options;
  const rung = await topRung(media, prefix);
  if (!rung) throw new ClipSourceError('the live stream has no playlist yet');
  const text = (await readMediaBytes(media, keyIn(prefix, rung)))?.toString('utf8') ?? '';
  const playlist = parseMediaPlaylist(text);
  const chosen = lastSegments(playlist.segments, seconds);
  if (chosen.length === 0) throw new ClipSourceError('the live stream has no segment yet');
  const names = [...(playlist.map ? [playlist.map] : []), ...chosen.map((s) => s.uri)];
  if (!names.every(safeName)) throw new ClipSourceError('unexpected segment names in the live playlist');

  const dir = await mkdtemp(join(tmpdir(), 'streamhub-clip-'));
  try {
    for (const name of names) {
      const bytes = await readMediaBytes(media, keyIn(prefix, name));
      if (!bytes) throw new ClipSourceError('a segment left the live window while clipping; try again');
      await writeFile(join(dir, name), bytes);
    }
    const windowSeconds = chosen.reduce((sum, s) => sum + s.duration, 0);
    const local = [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      `#EXT-X-TARGETDURATION:${Math.ceil(Math.max(...chosen.map((s) => s.duration)))}`,
      '#EXT-X-PLAYLIST-TYPE:VOD',
      ...(playlist.map ? [`#EXT-X-MAP:URI="${playlist.map}"`] : []),
      ...chosen.flatMap((s) => [`#EXTINF:${s.duration.toFixed(6)},`, s.uri]),
      '#EXT-X-ENDLIST',
      '',
    ].join('\n');
    await writeFile(join(dir, 'clip.m3u8'), local);
    const output = join(dir, 'clip.mp4');
    await remux(options.ffmpegPath, join(dir, 'clip.m3u8'), output);
    if ((await stat(output)).size === 0) throw new ClipSourceError('the clip came out empty');
    return { bytes: await readFile(output), windowSeconds };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The chosen segments as one MP4 by stream copy (AAC from MPEG-TS needs its ADTS headers turned into ASC). */
function remux(ffmpegPath: string, input: string, output: string): Promise<void> {
  const args = [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-allowed_extensions', 'ALL'],
    ...['-i', input],
    ...['-map', '0:v:0', '-map', '0:a:0?', '-c', 'copy', '-bsf:a', 'aac_adtstoasc'],
    ...['-movflags', '+faststart', '-f', 'mp4', '-y', output],
  ];
  const run = guarded(ffmpegPath, args);
  return new Promise((resolve, reject) => {
    execFile(run.command, run.args, { timeout: 60_000 }, (error, _stdout, stderr) => {
      if (error)
        reject(new Error(`ffmpeg could not cut the clip: ${String(stderr).trim() || error.message}`));
      else resolve();
    });
  });
}
