/**
 * The HTTP headers an object store keeps with each media object, so a CDN or a browser fetching from the
 * bucket gets what the gateway would send: the type by file name, and a cache policy by kind. Playlists
 * change (a live window moves, a recording ends), so they are revalidated every time; segments and avatars
 * never change under their key (segment numbers only grow, an avatar id is new per upload), so they are
 * cached for a year, as Owncast and PeerTube do. Posters and storyboards are rewritten when a video is
 * processed again; live thumbnails are refreshed in place.
 */

const TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  ts: 'video/mp2t',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  aac: 'audio/aac',
  jpg: 'image/jpeg',
  webp: 'image/webp',
  vtt: 'text/vtt',
};

/** Revalidate on every use: what changes under one key. */
export const NO_CACHE = 'no-cache';
/** A year, immutable: what never changes under one key. */
export const LONG_CACHE = 'public, max-age=31536000, immutable';
const SEGMENT = new Set(['ts', 'm4s', 'mp4', 'aac']);

/** Content type and cache policy of the object at `key`. */
export function objectHeaders(key: string): { contentType: string; cacheControl: string } {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  const contentType = TYPES[extension] ?? 'application/octet-stream';
  if (extension === 'm3u8') return { contentType, cacheControl: NO_CACHE };
  if (SEGMENT.has(extension) || key.startsWith('avatars/')) return { contentType, cacheControl: LONG_CACHE };
  if (key.startsWith('live/')) return { contentType, cacheControl: 'public, max-age=10' };
  return { contentType, cacheControl: 'public, max-age=3600' };
}
