/**
 * A small in-memory cache of hot media in front of an object store, for the gateway's reads: every viewer
 * of a live channel asks for the same newest segments within seconds, and without it each request is a
 * GetObject. Only objects that never change under their key are cached (segments, avatars), whole, up to
 * `maxObjectBytes` each and `maxBytes` in all, least recently used out first, each for `ttlMs` at most.
 * Concurrent misses of one key share one read. Writes and deletions through this instance drop what they
 * touch; another process's rewrite (a reprocessed video) is seen once the entry expires, and the gateway's
 * access checks run before any read, so a deleted or private video's cached segment is never answered to
 * someone the gateway would refuse.
 */
import { Readable } from 'node:stream';
import type { MediaKey, MediaPrefix } from './keys.ts';
import {
  type ByteRange,
  type LocalDirectory,
  type MediaAccess,
  type MediaEntry,
  MediaRangeNotSatisfiableError,
  type MediaRead,
  type MediaStat,
  type MediaStorage,
  type OpenUploadOptions,
  type UploadWriter,
  type WriteOptions,
} from './port.ts';

export interface HotCacheOptions {
  /** All cached bytes together. */
  maxBytes: number;
  /** Larger objects are streamed through uncached. Default 8 MiB (a few seconds of 1080p). */
  maxObjectBytes?: number;
  /** How long an entry is trusted. Default 10 s: a live segment is hot for about a playlist window. */
  ttlMs?: number;
}

interface Entry {
  stat: MediaStat;
  bytes: Buffer;
  until: number;
}

/**
 * Segments of the live ladder and of VOD renditions, and avatars: written once under a fresh name. Not
 * LL-HLS parts (`<rendition>-<msn>.p<n>.m4s`), which the packager may still be growing when first asked
 * for, nor playlists, thumbnails, posters or sources.
 */
export function isHotCacheable(key: MediaKey): boolean {
  if (key.startsWith('avatars/')) return true;
  if (/\.p\d+\.m4s$/.test(key)) return false;
  return (key.startsWith('live/') || key.startsWith('vod/')) && /\.(ts|m4s|mp4|m4a|aac)$/.test(key);
}

export class HotCachedMediaStorage implements MediaStorage {
  readonly kind: string;
  private readonly entries = new Map<MediaKey, Entry>();
  private readonly filling = new Map<MediaKey, Promise<Entry | MediaRead | undefined>>();
  private bytes = 0;
  private readonly maxBytes: number;
  private readonly maxObjectBytes: number;
  private readonly ttlMs: number;

  constructor(
    private readonly inner: MediaStorage,
    options: HotCacheOptions,
  ) {
    this.kind = inner.kind;
    this.maxBytes = options.maxBytes;
    this.maxObjectBytes = Math.min(options.maxObjectBytes ?? 8 * 1024 * 1024, options.maxBytes);
    this.ttlMs = options.ttlMs ?? 10_000;
  }

  async read(key: MediaKey, options: { range?: ByteRange } = {}): Promise<MediaRead | undefined> {
    if (!isHotCacheable(key)) return this.inner.read(key, options);
    let found = this.fresh(key);
    if (!found) {
      let fill = this.filling.get(key);
      if (!fill) {
        fill = this.fill(key).finally(() => this.filling.delete(key));
        this.filling.set(key, fill);
        const got = await fill;
        // Too big to cache: the first caller takes the stream it opened.
        if (got && !('until' in got)) return options.range ? this.rangeOf(got, key, options.range) : got;
      }
      const got = await fill;
      if (!got) return undefined;
      if (!('until' in got)) return this.inner.read(key, options);
      found = got;
    }
    return sliceOf(found, options.range);
  }

  write(key: MediaKey, body: Uint8Array | Readable, options?: WriteOptions): Promise<void> {
    this.drop(key);
    return this.inner.write(key, body, options).finally(() => this.drop(key));
  }

  stat(key: MediaKey): Promise<MediaStat | undefined> {
    const found = this.fresh(key);
    return found ? Promise.resolve(found.stat) : this.inner.stat(key);
  }

  list(prefix: MediaPrefix): Promise<MediaEntry[]> {
    return this.inner.list(prefix);
  }

  listPrefixes(prefix: MediaPrefix): Promise<string[]> {
    return this.inner.listPrefixes(prefix);
  }

  delete(key: MediaKey): Promise<void> {
    this.drop(key);
    return this.inner.delete(key);
  }

  deletePrefix(prefix: MediaPrefix): Promise<void> {
    this.dropPrefix(prefix);
    return this.inner.deletePrefix(prefix).finally(() => this.dropPrefix(prefix));
  }

  url(key: MediaKey, access: MediaAccess): Promise<string | undefined> {
    return this.inner.url(key, access);
  }

  unpublish(prefix: MediaPrefix): Promise<void> {
    return this.inner.unpublish(prefix);
  }

  localDirectory(
    prefix: MediaPrefix,
    options?: { load?: boolean | readonly string[] },
  ): Promise<LocalDirectory> {
    // ffmpeg's files are synced through the inner storage: what it rewrites under this prefix goes.
    this.dropPrefix(prefix);
    return this.inner.localDirectory(prefix, options);
  }

  createUpload(key: MediaKey, options?: { target?: MediaKey }): Promise<void> {
    return this.inner.createUpload(key, options);
  }

  openUpload(key: MediaKey, offset: number, options?: OpenUploadOptions): Promise<UploadWriter> {
    return this.inner.openUpload(key, offset, options);
  }

  completeUpload(key: MediaKey, target: MediaKey, options?: { length?: number }): Promise<void> {
    this.drop(target);
    return this.inner.completeUpload(key, target, options);
  }

  toolUrl(key: MediaKey, expiresInSeconds: number): Promise<string | undefined> {
    return this.inner.toolUrl(key, expiresInSeconds);
  }

  /** Bytes held now (for tests and metrics). */
  get cachedBytes(): number {
    return this.bytes;
  }

  // --- internals ---

  private fresh(key: MediaKey): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= Date.now()) {
      this.drop(key);
      return undefined;
    }
    // Most recently used last: Map keeps insertion order, so eviction takes the first.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  /** The whole object as an entry, or the open read of one too big to keep, or undefined when missing. */
  private async fill(key: MediaKey): Promise<Entry | MediaRead | undefined> {
    const read = await this.inner.read(key);
    if (!read) return undefined;
    if (read.stat.size > this.maxObjectBytes) return read;
    const chunks: Buffer[] = [];
    for await (const chunk of read.body) chunks.push(Buffer.from(chunk as Uint8Array));
    const entry = { stat: read.stat, bytes: Buffer.concat(chunks), until: Date.now() + this.ttlMs };
    this.drop(key);
    this.entries.set(key, entry);
    this.bytes += entry.bytes.byteLength;
    for (const [old, evicted] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(old);
      this.bytes -= evicted.bytes.byteLength;
    }
    return entry;
  }

  /** A range of an object too big to cache, of which the whole was opened: read again for the range. */
  private rangeOf(whole: MediaRead, key: MediaKey, range: ByteRange): Promise<MediaRead | undefined> {
    whole.body.destroy();
    return this.inner.read(key, { range });
  }

  private drop(key: MediaKey): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes.byteLength;
  }

  private dropPrefix(prefix: MediaPrefix): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(`${prefix}/`)) this.drop(key);
  }
}

/** The cached bytes of `range` (the whole object without one), as the port's read answers them. */
function sliceOf(entry: Entry, range: ByteRange | undefined): MediaRead {
  const size = entry.bytes.byteLength;
  if (range && range.start >= size && size > 0) throw new MediaRangeNotSatisfiableError(size);
  const start = !range || size === 0 ? 0 : range.start;
  const end = !range || size === 0 ? size - 1 : Math.min(range.end ?? size - 1, size - 1);
  const bytes = entry.bytes.subarray(start, end + 1);
  return { stat: entry.stat, range: { start, end }, body: Readable.from([bytes]), bytes };
}
