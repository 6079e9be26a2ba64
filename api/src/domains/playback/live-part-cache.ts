/**
 * The LL-HLS parts at the live edge, kept in memory by the gateway: every LL viewer of a rendition asks
 * for the same part within milliseconds of it landing, and without this each request opens, stats,
 * streams and closes the same file (most of the gateway's CPU per part request in the profile of
 * `bench/live/ll-viewers-only.ts`). The caller asks only for parts a playlist already lists (the packager
 * stores a part before the playlist that names it and never rewrites it), so an entry is never stale.
 * Entries hold the whole part with the storage's own stat (the same `ETag`, `Last-Modified` and length as
 * a read from the storage) for a few seconds; concurrent misses of one part share one read.
 */
import { Readable } from 'node:stream';
import type { MediaKey } from '@streamhub/infra/media-storage/keys';
import type { MediaRead, MediaStat, MediaStorage } from '@streamhub/infra/media-storage/port';

interface Entry {
  stat: MediaStat;
  bytes: Uint8Array;
  until: number;
  /** `stat.modified` as an HTTP date, made once for every viewer the entry answers. */
  lastModified: string;
}

/** A part held in memory, as {@link LivePartCache.peek} gives it. */
export type HeldPart = Pick<Entry, 'stat' | 'bytes' | 'lastModified'>;

export interface LivePartCacheOptions {
  /** All cached bytes together; the oldest entries leave first. Default 64 MiB. */
  maxBytes?: number;
  /** How long a part is kept: it is hot for about one segment. Default 6 s. */
  ttlMs?: number;
}

/** A part larger than this (not one of ours) is streamed uncached. */
const MAX_PART_BYTES = 4 * 1024 * 1024;

export class LivePartCache {
  /** In insertion order, which is age order: expiry and eviction take from the front. */
  private readonly entries = new Map<MediaKey, Entry>();
  private readonly filling = new Map<MediaKey, Promise<Entry | MediaRead | undefined>>();
  private bytes = 0;
  private readonly maxBytes: number;
  private readonly ttlMs: number;

  constructor(
    private readonly media: MediaStorage,
    options: LivePartCacheOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.ttlMs = options.ttlMs ?? 6000;
  }

  /** The whole part, from memory when another viewer asked for it lately; undefined when there is none. */
  async read(key: MediaKey): Promise<MediaRead | undefined> {
    const cached = this.entries.get(key);
    if (cached && cached.until > Date.now()) return readOf(cached);
    let fill = this.filling.get(key);
    if (!fill) {
      fill = this.fill(key).finally(() => this.filling.delete(key));
      this.filling.set(key, fill);
      const got = await fill;
      // Too big to keep: the caller that opened the stream takes it, the others read for themselves.
      if (got && !('until' in got)) return got;
    }
    const got = await fill;
    if (!got) return undefined;
    return 'until' in got ? readOf(got) : this.media.read(key);
  }

  /** The part if memory holds it now (no read, no wait); undefined otherwise. */
  peek(key: MediaKey): HeldPart | undefined {
    const cached = this.entries.get(key);
    return cached && cached.until > Date.now() ? cached : undefined;
  }

  /** Parts held now and their bytes (for tests and metrics). */
  get size(): { parts: number; bytes: number } {
    return { parts: this.entries.size, bytes: this.bytes };
  }

  private async fill(key: MediaKey): Promise<Entry | MediaRead | undefined> {
    const read = await this.media.read(key);
    if (!read) return undefined;
    if (read.stat.size > MAX_PART_BYTES) return read;
    let bytes: Uint8Array;
    if (read.bytes) {
      read.body.destroy();
      bytes = read.bytes;
    } else {
      const chunks: Buffer[] = [];
      for await (const chunk of read.body) chunks.push(chunk as Buffer);
      bytes = Buffer.concat(chunks);
    }
    const entry: Entry = {
      stat: read.stat,
      bytes,
      until: Date.now() + this.ttlMs,
      lastModified: read.stat.modified.toUTCString(),
    };
    this.evict(bytes.byteLength);
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.bytes.byteLength;
    }
    this.entries.set(key, entry);
    this.bytes += bytes.byteLength;
    return entry;
  }

  /** Makes room for `incoming` bytes: expired entries first, then the oldest. */
  private evict(incoming: number): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (entry.until > now && this.bytes + incoming <= this.maxBytes) break;
      this.entries.delete(key);
      this.bytes -= entry.bytes.byteLength;
    }
  }
}

/**
 * A read of a cached part: the bytes themselves (sent as they are, see `sendMedia`) and an empty body for
 * the port's contract. `new Readable` costs about a fifteenth of `Readable.from([])` on Bun.
 */
function readOf(entry: Entry): MediaRead {
  const body = new Readable({
    read() {
      this.push(null);
    },
  });
  return { stat: entry.stat, range: { start: 0, end: entry.bytes.byteLength - 1 }, body, bytes: entry.bytes };
}
