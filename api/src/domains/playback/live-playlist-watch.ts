/**
 * Holds LL-HLS blocking requests (a playlist reload with `_HLS_msn`/`_HLS_part`, a preload-hinted part
 * that does not exist yet) until the rendition's playlist in the media storage reaches what they ask for.
 * Media nodes announce every new part (`live.playlist_updated`); one storage read per announcement then
 * answers every request waiting on that rendition, however many viewers hold one. A slow poll of the
 * playlist backs the announcements up (a lost notice, a gateway whose bus is not subscribed yet).
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
  edge: PlaylistEdge;
}

interface Waiter {
  msn: number;
  part: number | undefined;
  resolve: (snapshot: PlaylistSnapshot | undefined) => void;
  timer: NodeJS.Timeout;
}

interface Watched {
  key: MediaKey;
  waiters: Set<Waiter>;
  poll: NodeJS.Timeout | undefined;
  reading: Promise<PlaylistSnapshot | undefined> | undefined;
}

export interface LivePlaylistWatchOptions {
  /** How often a rendition with waiting requests is re-read without an announcement. */
  pollMs?: number;
}

/** A playlist read this recently is reused: at many viewers a second, one storage read serves them all. */
const FRESH_MS = 50;
const RECENT_MAX = 10_000;

export class LivePlaylistWatch {
  private readonly watched = new Map<string, Watched>();
  private readonly recent = new Map<
    MediaKey,
    { at: number; snapshot: Promise<PlaylistSnapshot | undefined> }
  >();
  private readonly pollMs: number;

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
    const bytes = await readMediaBytes(this.media, key);
    if (!bytes) return undefined;
    const text = bytes.toString('utf8');
    return { text, edge: readPlaylistEdge(text) };
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
    return new Promise((resolve) => {
      const waiter: Waiter = {
        msn,
        part,
        resolve,
        timer: setTimeout(() => this.settle(watchKey, watched, waiter, undefined), timeoutMs),
      };
      watched.waiters.add(waiter);
      watched.poll ??= setInterval(() => void this.refresh(watchKey, watched), this.pollMs);
      // The part may have landed between the caller's read and now.
      void this.refresh(watchKey, watched);
    });
  }

  /** An announcement from a media node: re-read the rendition's playlist if it satisfies anyone waiting. */
  notify(update: LivePlaylistUpdated): void {
    const watched = this.watched.get(watchKeyOf(update.playbackId, update.rendition));
    if (!watched) return;
    const edge: PlaylistEdge = {
      targetDuration: 0,
      partTarget: undefined,
      lastMsn: update.lastMsn,
      lastPart: update.lastPart,
      canSkipUntil: undefined,
      ended: false,
    };
    if ([...watched.waiters].some((w) => edgeReached(edge, w.msn, w.part))) {
      void this.refresh(watchKeyOf(update.playbackId, update.rendition), watched);
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

  private settle(
    watchKey: string,
    watched: Watched,
    waiter: Waiter,
    snapshot: PlaylistSnapshot | undefined,
  ): void {
    clearTimeout(waiter.timer);
    watched.waiters.delete(waiter);
    waiter.resolve(snapshot);
    if (watched.waiters.size === 0) {
      clearInterval(watched.poll);
      if (this.watched.get(watchKey) === watched) this.watched.delete(watchKey);
    }
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

export function watchKeyOf(playbackId: string, rendition: string): string {
  return `${playbackId}/${rendition}`;
}
