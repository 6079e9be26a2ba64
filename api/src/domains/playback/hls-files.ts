/** Which HLS files the gateway may serve, and how: the only place that maps a URL's file name to media. */
import { isRelativeName, keyIn, type MediaKey, type MediaPrefix } from '@streamhub/infra/media-storage/keys';

export interface HlsFile {
  /** The stored object under the session's or video's prefix. */
  key: MediaKey;
  contentType: string;
  cacheControl: string;
}

const TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  ts: 'video/mp2t',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  aac: 'audio/aac',
  vtt: 'text/vtt',
};

/**
 * Resolves `<rest>` under `prefix` (a live session's or a video's) to an object, or undefined for anything
 * that is not a well-formed HLS file name (the key grammar's relative names: one optional variant
 * directory, safe characters, no dot segments). Playlists change every segment, so caches may keep them
 * only briefly. Segments never change once written, but the stream stops being served when it ends:
 * shared caches keep them an hour, as they keep a video's files.
 */
export function resolveHlsFile(prefix: MediaPrefix, rest: string): HlsFile | undefined {
  if (!isRelativeName(rest)) return undefined;
  const extension = rest.slice(rest.lastIndexOf('.') + 1);
  const contentType = TYPES[extension];
  if (!contentType) return undefined;
  return {
    key: keyIn(prefix, rest),
    contentType,
    cacheControl: extension === 'm3u8' ? 'public, max-age=1, must-revalidate' : 'public, max-age=3600',
  };
}
