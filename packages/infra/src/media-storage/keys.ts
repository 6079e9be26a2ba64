/**
 * The names of stored media: every key and prefix a {@link MediaStorage} is asked about is built here, with
 * one id rule per kind, so a path never comes from a string that was not checked. Storage implementations
 * check every key against the grammar again ({@link assertMediaKey}) before they touch anything.
 *
 * | kind | key | id rule |
 * | --- | --- | --- |
 * | live HLS, live thumbnail, recording | `live/<playbackId>/[<variant>/]<file>` | playback id: 8–64 of `A-Z a-z 0-9 _ -` |
 * | VOD renditions, poster, storyboard, accepted source | `vod/<videoId>/[<variant>/]<file>` | video id: a uuid, lower-cased |
 * | upload in progress (tus) | `uploads/<videoId>` | video id |
 * | avatar | `avatars/<avatarId>-<256\|64>.webp` | avatar id: 22 of `A-Z a-z 0-9 _ -` (16 random bytes) |
 */

/** A checked key of one stored object. Only this module makes them. */
export type MediaKey = string & { readonly mediaKey: unique symbol };
/** A checked key prefix (a "directory" of objects, no trailing slash). Only this module makes them. */
export type MediaPrefix = string & { readonly mediaPrefix: unique symbol };

/** The top-level collections, one per kind of media. */
export type MediaCollection = 'live' | 'vod' | 'uploads' | 'avatars';
const COLLECTIONS: ReadonlySet<string> = new Set<MediaCollection>(['live', 'vod', 'uploads', 'avatars']);

/** A name or id that breaks its rule, or a key outside the grammar. */
export class InvalidMediaKeyError extends RangeError {
  override readonly name = 'InvalidMediaKeyError';
  constructor(what: string, value: string) {
    super(`Not a valid ${what}: ${JSON.stringify(value.slice(0, 200))}`);
  }
}

// One path segment: safe characters, not starting with a dot (hidden and scratch files are never objects),
// no `..` anywhere. No separators, backslashes, NUL or other controls can appear.
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;
const MAX_KEY_LENGTH = 512;
const MAX_SEGMENTS = 4;

function segmentsOf(value: string): string[] | undefined {
  if (value.length === 0 || value.length > MAX_KEY_LENGTH) return undefined;
  const segments = value.split('/');
  if (segments.length > MAX_SEGMENTS) return undefined;
  if (!segments.every((s) => SEGMENT.test(s) && !s.includes('..'))) return undefined;
  if (!COLLECTIONS.has(segments[0] as string)) return undefined;
  return segments;
}

/** Whether `value` is a well-formed key: a known collection, then 1–3 safe segments. */
export function isMediaKey(value: string): value is MediaKey {
  const segments = segmentsOf(value);
  return segments !== undefined && segments.length >= 2;
}

/** Whether `value` is a well-formed prefix: a collection, or a collection and one more segment. */
export function isMediaPrefix(value: string): value is MediaPrefix {
  const segments = segmentsOf(value);
  return segments !== undefined && segments.length <= 2;
}

/** The key, checked against the grammar; throws {@link InvalidMediaKeyError}. Storage calls it on every key. */
export function assertMediaKey(value: string): MediaKey {
  if (!isMediaKey(value)) throw new InvalidMediaKeyError('media key', value);
  return value;
}

/** The prefix, checked against the grammar; throws {@link InvalidMediaKeyError}. */
export function assertMediaPrefix(value: string): MediaPrefix {
  if (!isMediaPrefix(value)) throw new InvalidMediaKeyError('media key prefix', value);
  return value;
}

/**
 * A name relative to a prefix: one optional variant directory, then a file name (`720p.m3u8`,
 * `stream_0/seg_00012.ts`, `thumbnail.jpg`). The same segment rules as keys.
 */
export function isRelativeName(name: string): boolean {
  const parts = name.split('/');
  return parts.length <= 2 && parts.every((p) => SEGMENT.test(p) && !p.includes('..'));
}

/** `prefix/name` as a key; throws when `name` is not a relative name. */
export function keyIn(prefix: MediaPrefix, name: string): MediaKey {
  if (!isRelativeName(name)) throw new InvalidMediaKeyError(`file name under ${prefix}`, name);
  return assertMediaKey(`${prefix}/${name}`);
}

/** The part of `key` after `prefix/`, or undefined when the key is not under the prefix. */
export function nameIn(prefix: MediaPrefix, key: MediaKey): string | undefined {
  return key.startsWith(`${prefix}/`) ? key.slice(prefix.length + 1) : undefined;
}

const PLAYBACK_ID = /^[A-Za-z0-9_-]{8,64}$/;
const VIDEO_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AVATAR_ID = /^[A-Za-z0-9_-]{22}$/;
const AVATAR_FILE = /^([A-Za-z0-9_-]{22})-(256|64)\.webp$/;

/** Avatar renditions: square, in pixels. */
export type AvatarSize = 256 | 64;

/** A live session's playback id (the channels domain makes them: 12 random bytes, base64url). */
export const isPlaybackId = (value: string): boolean => PLAYBACK_ID.test(value);
/** A video id: a uuid in either case (keys use lower case). */
export const isVideoId = (value: string): boolean => VIDEO_ID.test(value);

function playbackId(value: string): string {
  if (!PLAYBACK_ID.test(value)) throw new InvalidMediaKeyError('playback id', value);
  return value;
}

function videoId(value: string): string {
  if (!VIDEO_ID.test(value)) throw new InvalidMediaKeyError('video id', value);
  return value.toLowerCase();
}

/** Every key and prefix of stored media. Each throws {@link InvalidMediaKeyError} on a bad id or name. */
export const mediaKeys = {
  /** All live sessions' files: one prefix per playback id below it. */
  liveRoot: 'live' as MediaPrefix,
  /** One live session's HLS (master, variants, segments) and thumbnail; after the session, its recording. */
  livePrefix: (id: string): MediaPrefix => assertMediaPrefix(`live/${playbackId(id)}`),
  /** A file of a live session: `master.m3u8`, `stream_0/seg_00001.ts`, `thumbnail.jpg`… */
  liveFile: (id: string, name: string): MediaKey => keyIn(mediaKeys.livePrefix(id), name),
  /** The live thumbnail, refreshed while the session is live. */
  liveThumbnail: (id: string): MediaKey => mediaKeys.liveFile(id, 'thumbnail.jpg'),
  /** A recorded broadcast's master playlist: the source of its video. */
  recordingMaster: (id: string): MediaKey => mediaKeys.liveFile(id, 'master.m3u8'),

  /** One video's files: the accepted source, the HLS ladder, poster and storyboard. */
  vodPrefix: (id: string): MediaPrefix => assertMediaPrefix(`vod/${videoId(id)}`),
  /** A file of a processed video (`master.m3u8`, `720p.m3u8`, `720p-00001.ts`, `poster.jpg`…). */
  vodFile: (id: string, name: string): MediaKey => keyIn(mediaKeys.vodPrefix(id), name),
  /** The accepted upload, without an extension (ffprobe reads the content, not the name). Never served. */
  vodSource: (id: string): MediaKey => mediaKeys.vodFile(id, VOD_SOURCE),
  vodPoster: (id: string): MediaKey => mediaKeys.vodFile(id, 'poster.jpg'),
  vodStoryboard: (id: string): MediaKey => mediaKeys.vodFile(id, 'storyboard.jpg'),

  /** The bytes of a tus upload in progress. */
  upload: (id: string): MediaKey => assertMediaKey(`uploads/${videoId(id)}`),

  /** Every avatar file. */
  avatarPrefix: 'avatars' as MediaPrefix,
  /** One avatar rendition. */
  avatar: (avatarId: string, size: AvatarSize): MediaKey => {
    if (!AVATAR_ID.test(avatarId)) throw new InvalidMediaKeyError('avatar id', avatarId);
    return assertMediaKey(`avatars/${avatarId}-${size}.webp`);
  },
  /** The key of an avatar by its public file name (`<avatarId>-256.webp`), or undefined for any other name. */
  avatarFile: (file: string): MediaKey | undefined => {
    const match = AVATAR_FILE.exec(file);
    return match ? mediaKeys.avatar(match[1] as string, Number(match[2]) as AvatarSize) : undefined;
  },
} as const;

/** The name of the accepted upload inside a video's prefix. */
export const VOD_SOURCE = 'source';

/** `build()`'s key, or undefined where an id or name breaks its rule (input from a URL). */
export function tryKey<T extends MediaKey | MediaPrefix>(build: () => T): T | undefined {
  try {
    return build();
  } catch (error) {
    if (error instanceof InvalidMediaKeyError) return undefined;
    throw error;
  }
}
