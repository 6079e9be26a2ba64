/**
 * Where stored media lives: live HLS, recordings, VOD renditions, posters, storyboards, uploads in
 * progress, live thumbnails and avatars. The media node, the gateway and the workers reach media only
 * through this port, with keys built by `keys.ts`; the filesystem implementation (`filesystem.ts`) is the
 * one place that maps a key to a path. Nothing here assumes a filesystem, so an object store can implement
 * it: every implementation passes `media-storage.contract.ts`. See docs/storage.md.
 */
import type { Readable } from 'node:stream';
import type { MediaKey, MediaPrefix } from './keys.ts';

/** What is known about a stored object without reading it. */
export interface MediaStat {
  /** Bytes. */
  size: number;
  /** A strong validator that changes whenever the content may have (quoted, as HTTP sends it). */
  etag: string;
  /** When the object was last written. */
  modified: Date;
}

/** An inclusive byte range, as HTTP's `Range: bytes=start-end`; `end` defaults to the last byte. */
export interface ByteRange {
  start: number;
  end?: number;
}

/** A stored object being read. */
export interface MediaRead {
  stat: MediaStat;
  /** The bytes sent: the whole object, or the requested range clamped to its size. */
  range: { start: number; end: number };
  /** The bytes of `range`. The caller must consume or destroy it. */
  body: Readable;
  /**
   * The same bytes, when the storage already holds them in memory (the hot-segment cache): a caller may
   * send these instead of reading `body` (then destroying it), skipping the stream machinery.
   */
  bytes?: Uint8Array;
}

/** One object found by {@link MediaStorage.list}. */
export interface MediaEntry {
  key: MediaKey;
  size: number;
  modified: Date;
}

/** A byte range that starts past the end of the object (HTTP 416). */
export class MediaRangeNotSatisfiableError extends RangeError {
  override readonly name = 'MediaRangeNotSatisfiableError';
  constructor(readonly size: number) {
    super(`The range starts past the end of the object (${size} bytes)`);
  }
}

/** An upload that is not there (never created, completed or deleted). */
export class MediaNotFoundError extends Error {
  override readonly name = 'MediaNotFoundError';
  constructor(readonly key: MediaKey) {
    super(`No stored media at ${key}`);
  }
}

/** Who may fetch an object through {@link MediaStorage.url}. */
export type MediaAccess =
  /** Anyone: a public, cacheable URL (a CDN), if the storage has one. */
  | { kind: 'public' }
  /** Only the holder of the URL, until it expires: a signed URL, if the storage can sign. */
  | { kind: 'signed'; expiresInSeconds: number };

export interface WriteOptions {
  /** Stored with the object where the storage keeps metadata (object stores); the gateway sets its own. */
  contentType?: string;
  cacheControl?: string;
}

/**
 * A local directory that stands for a key prefix, for tools that can only write (or read) files: ffmpeg
 * writing the live ladder or a VOD transcode, ffprobe reading a source.
 *
 * Contract, for every implementation:
 * - `path` is an absolute local directory that exists and belongs to the caller until `release`.
 * - Opened with `load`, it first holds the prefix's current objects (all of them, or the named ones) as
 *   files at their relative names.
 * - A file written there under a valid relative name (`keys.ts`: no leading dot, at most one variant
 *   directory) becomes the object `<prefix>/<name>` at the latest when `sync` resolves; `sync(names)`
 *   publishes the named files in that order (segments before the playlist that names them, the master
 *   playlist last; media files between two indexes may go up together), and may be called as often as
 *   files finish. Hidden names (`.work`, `.tmp`) stay
 *   local scratch and never become objects.
 * - `release` lets go of the directory; an implementation whose directory is a copy deletes it, after
 *   nothing more is synced. Files not synced by then may be lost.
 *
 * The filesystem implementation hands out the final place itself (`inPlace`): files are objects as soon
 * as they are renamed into place, `sync` only checks names and `release` does nothing. An object store
 * hands out a private temporary directory and uploads on `sync`.
 */
export interface LocalDirectory {
  readonly path: string;
  readonly prefix: MediaPrefix;
  /** True when `path` is the storage itself (the filesystem): writes there are visible at once. */
  readonly inPlace: boolean;
  sync(names?: readonly string[]): Promise<void>;
  release(): Promise<void>;
}

/**
 * The writer of a resumable upload (tus): bytes are appended from the offset it was opened at, and `sync`
 * says how many are durable. An object store may hold back the tail below its part size, so the durable
 * offset can trail what was appended; clients resume from the durable one.
 */
export interface UploadWriter {
  append(bytes: Uint8Array): Promise<void>;
  /** Makes the appended bytes durable (as far as the storage can) and returns the durable length. */
  sync(): Promise<number>;
  /**
   * Syncs and closes; returns the durable length, which is then every byte appended. `last`: those bytes
   * end the upload (the next step is `completeUpload`), so an object store may send its tail as the final
   * part instead of storing it for a resume.
   */
  close(options?: { last?: boolean }): Promise<number>;
}

export interface OpenUploadOptions {
  /**
   * Where the appends will stop, when known (a tus PATCH's declared length): an object store then cuts
   * its parts so that one ends there, instead of storing the bytes past its last whole part as a tail.
   */
  end?: number;
  /**
   * The appends up to `end` finish the upload: an object store may then stream a last part shorter than
   * its part minimum while it arrives, instead of holding it until `close({ last: true })`.
   */
  final?: boolean;
}

export interface MediaStorage {
  /** Which implementation runs (`filesystem`, later `s3`), for logs and status. */
  readonly kind: string;

  /**
   * Stores a whole object. Readers see the previous content or the new one, never a part; of concurrent
   * writes of one key, one wins whole.
   */
  write(key: MediaKey, body: Uint8Array | Readable, options?: WriteOptions): Promise<void>;
  /** Size, etag and time of an object; undefined when there is none. */
  stat(key: MediaKey): Promise<MediaStat | undefined>;
  /**
   * Streams an object, or a byte range of it; undefined when there is none. A range starting past the
   * end throws {@link MediaRangeNotSatisfiableError}; one ending past it is clamped.
   */
  read(key: MediaKey, options?: { range?: ByteRange }): Promise<MediaRead | undefined>;
  /** Every object under `prefix`, at any depth, sorted by key. */
  list(prefix: MediaPrefix): Promise<MediaEntry[]>;
  /** The names of the prefixes one level below `prefix` (e.g. the playback ids under `live`), sorted. */
  listPrefixes(prefix: MediaPrefix): Promise<string[]>;
  /** Deletes one object; a missing one is no error (deletions are retried and raced). */
  delete(key: MediaKey): Promise<void>;
  /** Deletes every object under `prefix`; a missing prefix is no error. */
  deletePrefix(prefix: MediaPrefix): Promise<void>;
  /**
   * A URL from which a client can fetch the object without the gateway: a public one (CDN base URL) or a
   * short-lived signed one. Undefined means "serve it through the gateway" (the filesystem, a bucket
   * without a public base URL, or an access the storage cannot grant).
   */
  url(key: MediaKey, access: MediaAccess): Promise<string | undefined>;
  /**
   * Stops serving the objects under `prefix` from the public URL (a video made private), until
   * {@link url} hands one out as public again. A storage whose public URL serves everything as is (the
   * filesystem behind a web server) can do nothing here.
   */
  unpublish(prefix: MediaPrefix): Promise<void>;

  /** A local directory for `prefix`; see {@link LocalDirectory} for the contract. */
  localDirectory(
    prefix: MediaPrefix,
    options?: { load?: boolean | readonly string[] },
  ): Promise<LocalDirectory>;

  /**
   * Starts an empty resumable upload at `key` (replacing any earlier one there). `target`, when known, is
   * where {@link completeUpload} will put it: an object store then uploads there directly instead of
   * copying the finished upload.
   */
  createUpload(key: MediaKey, options?: { target?: MediaKey }): Promise<void>;
  /**
   * Opens the upload for appending at `offset`, which must be at most its durable length; bytes past
   * `offset` (a dead writer's) are overwritten. Throws when there is no such upload.
   */
  openUpload(key: MediaKey, offset: number, options?: OpenUploadOptions): Promise<UploadWriter>;
  /**
   * Turns the finished upload into the object at `target` (the upload is gone afterwards). Repeatable: when
   * the upload is already gone but `target` exists, it resolves, so a retry after a crash goes on.
   * `length`, when the caller knows it (the upload's declared length): an object store whose parts
   * already reach it then looks for no stored tail.
   */
  completeUpload(key: MediaKey, target: MediaKey, options?: { length?: number }): Promise<void>;
  /**
   * A URL from which a tool on this host (ffprobe) can read the object, seeking with ranged GETs, for
   * `expiresInSeconds`: the upload probe then reads the few boxes it needs instead of a whole copy.
   * Undefined when the storage has local files (read them through {@link localDirectory}, which copies
   * nothing there).
   */
  toolUrl(key: MediaKey, expiresInSeconds: number): Promise<string | undefined>;
}

/** The whole content of an object, or undefined when there is none. For small objects (playlists). */
export async function readMediaBytes(storage: MediaStorage, key: MediaKey): Promise<Buffer | undefined> {
  const read = await storage.read(key);
  if (!read) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of read.body) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
