/** Which HLS files the gateway may serve, and how: the only place that turns a URL into a file path. */
import { join } from 'node:path';

export interface HlsFile {
  /** Absolute path under the live media directory. */
  path: string;
  contentType: string;
  cacheControl: string;
}

const PLAYBACK_ID = /^[A-Za-z0-9_-]{8,64}$/;
// One optional variant directory, then a plain file name: no dots-only segments, no separators.
const RELATIVE = /^(?:[A-Za-z0-9_-]{1,64}\/)?[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

const TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  ts: 'video/mp2t',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  aac: 'audio/aac',
  vtt: 'text/vtt',
};

/**
 * Resolves `/hls/<playbackId>/<rest>` to a file, or undefined for anything that is not a well-formed
 * HLS file name. Playlists change every segment, so caches may keep them only briefly. Segments never
 * change once written, but the stream stops being served when it ends: shared caches keep them an hour,
 * as they keep a video's files.
 */
export function resolveHlsFile(liveDir: string, playbackId: string, rest: string): HlsFile | undefined {
  if (!PLAYBACK_ID.test(playbackId) || !RELATIVE.test(rest) || rest.includes('..')) return undefined;
  const extension = rest.slice(rest.lastIndexOf('.') + 1);
  const contentType = TYPES[extension];
  if (!contentType) return undefined;
  return {
    path: join(liveDir, playbackId, rest),
    contentType,
    cacheControl: extension === 'm3u8' ? 'public, max-age=1, must-revalidate' : 'public, max-age=3600',
  };
}
