/**
 * Single-flight reads with a short cache, for data that many callers want at once (a room when
 * thousands join it) and that the owner invalidates the moment it learns of a change.
 *
 * The promise it keeps:
 * - a caller gets the cached value or joins a read only if no `invalidate` of the key came after that
 *   read began, so what it gets reflects every invalidation made before it asked;
 * - a read overtaken by an invalidation is not cached, and its callers get a read that began after the
 *   invalidation instead (a newer caller's, or a repeat), up to MAX_READS_PER_FLIGHT reads. The cap
 *   keeps a key that changes faster than it can be read answering; those callers then get the last
 *   result, which can lack a change made while they waited (cached-chat-rooms.ts says why that is safe).
 */

/** Reads one flight may make while invalidations keep overtaking them. */
export const MAX_READS_PER_FLIGHT = 3;

export interface CoalescedReadsOptions {
  /** A value older than this is read again even without an invalidation (a safety net for lost ones). */
  maxAgeMs: number;
  /** Keys kept; beyond it the oldest settled ones are dropped (reads in flight never are). */
  maxKeys: number;
  now?: () => number;
}

interface Flight<V> {
  promise: Promise<V>;
  /** The generation its current read began under; callers join it only while that is the entry's. */
  generation: number;
  readAt: number;
}

interface Entry<V> {
  /** Bumped by every invalidation; a read may only settle into the cache with the one it began under. */
  generation: number;
  cached?: { value: V; generation: number; readAt: number };
  /** The newest flight. */
  flight?: Flight<V>;
  /** Flights still running: the newest and any overtaken ones still reading for their callers. */
  running: number;
}

export class CoalescedReads<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  private readonly now: () => number;

  constructor(private readonly options: CoalescedReadsOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * The cached value of `key` while it is valid; else the result of the read in flight for it if that
   * read began after the last invalidation; else a new `read()`, shared with every caller that arrives
   * before the next invalidation. A failed read is shared by the callers waiting for it, never cached.
   */
  get(key: K, read: () => Promise<V>): Promise<V> {
    const entry = this.entryOf(key);
    const { cached, flight } = entry;
    if (
      cached &&
      cached.generation === entry.generation &&
      this.now() - cached.readAt < this.options.maxAgeMs
    ) {
      return Promise.resolve(cached.value);
    }
    if (flight && flight.generation === entry.generation) return flight.promise;
    return this.fly(entry, read);
  }

  /** Forgets the value of `key`; a read of it in flight is overtaken (see the module comment). */
  invalidate(key: K): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    if (entry.running > 0) {
      entry.generation += 1;
      entry.cached = undefined;
    } else {
      this.entries.delete(key);
    }
  }

  /** `invalidate` for every key. */
  invalidateAll(): void {
    for (const key of [...this.entries.keys()]) this.invalidate(key);
  }

  /** Whether `key` is kept (a value, a read in flight or a failed one): whether invalidating it matters. */
  has(key: K): boolean {
    return this.entries.has(key);
  }

  private fly(entry: Entry<V>, read: () => Promise<V>): Promise<V> {
    // Its promise, generation and read time are all set before anything can look at them.
    const flight: Flight<V> = { promise: Promise.resolve() as Promise<V>, generation: 0, readAt: 0 };
    entry.running += 1;
    flight.promise = this.readUntilCurrent(entry, flight, read).finally(() => {
      entry.running -= 1;
      if (entry.flight === flight) entry.flight = undefined;
    });
    return flight.promise;
  }

  private async readUntilCurrent(entry: Entry<V>, flight: Flight<V>, read: () => Promise<V>): Promise<V> {
    for (let reads = 1; ; reads++) {
      flight.generation = entry.generation;
      flight.readAt = this.now();
      entry.flight = flight;
      const value = await read();
      if (entry.generation === flight.generation) {
        entry.cached = { value, generation: flight.generation, readAt: flight.readAt };
        return value;
      }
      if (reads >= MAX_READS_PER_FLIGHT) return value;
      // A caller that came after the invalidation started a read that began after it: share that one.
      const newer = entry.flight;
      if (newer && newer !== flight && newer.generation === entry.generation) return newer.promise;
    }
  }

  private entryOf(key: K): Entry<V> {
    let entry = this.entries.get(key);
    if (entry) return entry;
    entry = { generation: 0, running: 0 };
    if (this.entries.size >= this.options.maxKeys) this.dropOldestSettled();
    this.entries.set(key, entry);
    return entry;
  }

  // Map order is insertion order, so the first settled entries are the longest-kept ones. One with a
  // read running must stay: an invalidation has to reach it, or its callers would get a value it
  // should have repeated.
  private dropOldestSettled(): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size < this.options.maxKeys) return;
      if (entry.running === 0) this.entries.delete(key);
    }
  }
}
