/**
 * Holds LL-HLS blocking requests (a playlist reload with `_HLS_msn`/`_HLS_part`, a preload-hinted part
 * that does not exist yet) until the rendition's playlist in the media storage reaches what they ask for.
 * Media nodes announce every new part (`live.playlist_updated`); one storage read per announcement then
 * answers every request waiting on that rendition, however many viewers hold one. A request that arrives
 * is checked against the freshest playlist already read, so 1,000 viewers asking for the next part cost
 * one read when it lands, not one each. A slow poll of the playlist backs the announcements up (a lost
 * notice, a gateway whose bus is not subscribed yet).
 *
 * Each snapshot carries its bytes as read: every waiter it answers is sent the same buffer, nothing is
 * rendered or encoded per request. Held requests have no timer each: their deadlines sit in buckets of
 * {@link TIMEOUT_TICK_MS}, and one timer per watch expires whole buckets (1,000 viewers on 5 parts a
 * second would otherwise arm and clear 5,000 timers a second).
 */
import type { LivePlaylistUpdated } from '@streamhub/contracts/live-playlists';
import type { MediaKey } from '@streamhub/infra/media-storage/keys';
import { type MediaStorage, readMediaBytes } from '@streamhub/infra/media-storage/port';
import {
  edgeReached,
  type PlaylistEdge,
  readPlaylistEdge,
} from '@streamhub/media-node/live/llhls/media-playlist';

export interface PlaylistSnapshot {
  text: string;
  /** `text` as stored: the body sent to every request this snapshot answers. */
  bytes: Uint8Array;
  edge: PlaylistEdge;
}

interface Waiter {
  msn: number;
  part: number | undefined;
  resolve: (snapshot: PlaylistSnapshot | undefined) => void;
  watchKey: string;
  watched: Watched;
  /** The timeout bucket the waiter sits in (its deadline rounded up to a tick). */
  bucket: number;
}

interface Watched {
  key: MediaKey;
  waiters: Set<Waiter>;
  poll: NodeJS.Timeout | undefined;
  reading: Promise<PlaylistSnapshot | undefined> | undefined;
}

/** What a media node last announced of a rendition: lets an arriving request know its snapshot is stale. */
type AnnouncedEdge = Pick<PlaylistEdge, 'lastMsn' | 'lastPart'>;

export interface LivePlaylistWatchOptions {
  /** How often a rendition with waiting requests is re-read without an announcement. */
  pollMs?: number;
}

/** A playlist read this recently is reused: at many viewers a second, one storage read serves them all. */
const FRESH_MS = 50;
const RECENT_MAX = 10_000;
/**
 * The granularity of blocking-request timeouts: a request times out at most this much after its deadline,
 * never before (the spec's three target durations are seconds).
 */
export const TIMEOUT_TICK_MS = 100;

export class LivePlaylistWatch {
  private readonly watched = new Map<string, Watched>();
  private readonly recent = new Map<
    MediaKey,
    { at: number; snapshot: Promise<PlaylistSnapshot | undefined> }
  >();
  /** The freshest playlist read of each key, available without waiting. */
  private readonly latest = new Map<MediaKey, { snapshot: PlaylistSnapshot; started: number }>();
  private reads = 0;
  /** The newest announcement of each rendition (watch key), waiters or not. */
  private readonly announced = new Map<string, AnnouncedEdge>();
  private readonly pollMs: number;
  /** Held requests by timeout bucket (deadline / TIMEOUT_TICK_MS, rounded up), oldest first. */
  private readonly buckets = new Map<number, Set<Waiter>>();
  private expiry: NodeJS.Timeout | undefined;

  constructor(
    private readonly media: MediaStorage,
    options: LivePlaylistWatchOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1000;
  }

  /**
   * The playlist as stored now (read at most {@link FRESH_MS} ago, concurrent callers sharing one read);
   * undefined when there is none.
   */
  read(key: MediaKey): Promise<PlaylistSnapshot | undefined> {
    const now = Date.now();
    const recent = this.recent.get(key);
    if (recent && now - recent.at <= FRESH_MS) return recent.snapshot;
    if (this.recent.size >= RECENT_MAX) this.recent.clear();
    const snapshot = this.readNow(key);
    this.recent.set(key, { at: now, snapshot });
    snapshot.catch(() => this.recent.delete(key));
    return snapshot;
  }

  private async readNow(key: MediaKey): Promise<PlaylistSnapshot | undefined> {
    this.reads += 1;
    const started = this.reads;
    const bytes = await readMediaBytes(this.media, key);
    if (!bytes) return undefined;
    const text = bytes.toString('utf8');
    const snapshot = { text, bytes, edge: readPlaylistEdge(text) };
    // Reads can finish out of order: a read started earlier never replaces a later one.
    const known = this.latest.get(key);
    if (!known || known.started < started) {
      if (this.latest.size >= RECENT_MAX) this.latest.clear();
      this.latest.set(key, { snapshot, started });
    }
    return snapshot;
  }

  /** The freshest playlist of `key` read so far, if any (no storage read). */
  latestOf(key: MediaKey): PlaylistSnapshot | undefined {
    return this.latest.get(key)?.snapshot;
  }

  /**
   * The playlist once it holds segment `msn` (complete) or part `part` of it, or a later one; undefined
   * after `timeoutMs`. `current` is a snapshot the caller already read.
   */
  until(
    watchKey: string,
    key: MediaKey,
    msn: number,
    part: number | undefined,
    timeoutMs: number,
  ): Promise<PlaylistSnapshot | undefined> {
    let entry = this.watched.get(watchKey);
    if (!entry) {
      entry = { key, waiters: new Set(), poll: undefined, reading: undefined };
      this.watched.set(watchKey, entry);
    }
    const watched = entry;
    const known = this.latestOf(key);
    if (known && edgeReached(known.edge, msn, part)) {
      if (watched.waiters.size === 0) this.forget(watchKey, watched);
      return Promise.resolve(known);
    }
    return new Promise((resolve) => {
      const bucket = Math.ceil((Date.now() + timeoutMs) / TIMEOUT_TICK_MS);
      const waiter: Waiter = { msn, part, resolve, watchKey, watched, bucket };
      watched.waiters.add(waiter);
      this.addToBucket(waiter);
      watched.poll ??= setInterval(() => void this.refresh(watchKey, watched), this.pollMs);
      // Read again only when nothing was read yet, or a media node announced what the freshest read lacks
      // (the part landed between the caller's read and now); otherwise the next announcement wakes it.
      const announced = this.announced.get(watchKey);
      const missed =
        announced !== undefined &&
        known !== undefined &&
        edgeAhead(announced, known.edge) &&
        edgeReached({ ...known.edge, ...announced }, msn, part);
      if (!known || missed) void this.refresh(watchKey, watched);
    });
  }

  /** An announcement from a media node: re-read the rendition's playlist if it satisfies anyone waiting. */
  notify(update: LivePlaylistUpdated): void {
    const watchKey = watchKeyOf(update.playbackId, update.rendition);
    if (this.announced.size >= RECENT_MAX) this.announced.clear();
    this.announced.set(watchKey, { lastMsn: update.lastMsn, lastPart: update.lastPart });
    const watched = this.watched.get(watchKey);
    if (!watched) return;
    const edge: PlaylistEdge = {
      targetDuration: 0,
      partTarget: undefined,
      lastMsn: update.lastMsn,
      lastPart: update.lastPart,
      canSkipUntil: undefined,
      ended: false,
    };
    for (const waiter of watched.waiters) {
      if (edgeReached(edge, waiter.msn, waiter.part)) {
        void this.refresh(watchKey, watched);
        return;
      }
    }
  }

  private async refresh(watchKey: string, watched: Watched): Promise<void> {
    // Concurrent wake-ups share one storage read, always a new one (an announcement means a new playlist).
    watched.reading ??= this.readNow(watched.key).finally(() => {
      watched.reading = undefined;
    });
    const reading = watched.reading;
    const snapshot = await reading.catch(() => undefined);
    if (!snapshot) return;
    // What the waiters got is the freshest there is: later readers share it.
    this.recent.set(watched.key, { at: Date.now(), snapshot: reading });
    for (const waiter of watched.waiters) {
      if (edgeReached(snapshot.edge, waiter.msn, waiter.part))
        this.settle(watchKey, watched, waiter, snapshot);
    }
  }

  private addToBucket(waiter: Waiter): void {
    let bucket = this.buckets.get(waiter.bucket);
    if (!bucket) {
      bucket = new Set();
      this.buckets.set(waiter.bucket, bucket);
    }
    bucket.add(waiter);
    this.expiry ??= setInterval(() => this.expire(), TIMEOUT_TICK_MS);
  }

  /** Answers every request whose deadline passed with a timeout. */
  private expire(): void {
    const now = Date.now() / TIMEOUT_TICK_MS;
    // Buckets are made in deadline order for a given timeout; a shorter timeout (another rendition's
    // target duration) can make a later one earlier, so every bucket is looked at (there are a few dozen).
    for (const [bucket, waiters] of this.buckets) {
      if (bucket > now) continue;
      for (const waiter of waiters) this.settle(waiter.watchKey, waiter.watched, waiter, undefined);
    }
  }

  private settle(
    watchKey: string,
    watched: Watched,
    waiter: Waiter,
    snapshot: PlaylistSnapshot | undefined,
  ): void {
    const bucket = this.buckets.get(waiter.bucket);
    if (bucket?.delete(waiter) && bucket.size === 0) {
      this.buckets.delete(waiter.bucket);
      if (this.buckets.size === 0) {
        clearInterval(this.expiry);
        this.expiry = undefined;
      }
    }
    watched.waiters.delete(waiter);
    waiter.resolve(snapshot);
    if (watched.waiters.size === 0) this.forget(watchKey, watched);
  }

  private forget(watchKey: string, watched: Watched): void {
    clearInterval(watched.poll);
    watched.poll = undefined;
    if (this.watched.get(watchKey) === watched) this.watched.delete(watchKey);
  }

  /** Requests being held right now (for metrics and tests). */
  get waiting(): number {
    let count = 0;
    for (const watched of this.watched.values()) count += watched.waiters.size;
    return count;
  }

  /** Answers every held request with a timeout (shutdown). */
  close(): void {
    for (const [watchKey, watched] of this.watched) {
      for (const waiter of watched.waiters) this.settle(watchKey, watched, waiter, undefined);
    }
  }
}

/** Whether edge `a` is further along than `b` (a later segment, or a later part of the same one). */
function edgeAhead(a: AnnouncedEdge, b: AnnouncedEdge): boolean {
  if (a.lastMsn !== b.lastMsn) return a.lastMsn > b.lastMsn;
  const pa = a.lastPart;
  const pb = b.lastPart;
  if (!pa || !pb) return pa !== undefined && pb === undefined;
  return pa.msn !== pb.msn ? pa.msn > pb.msn : pa.index > pb.index;
}

export function watchKeyOf(playbackId: string, rendition: string): string {
  return `${playbackId}/${rendition}`;
}
