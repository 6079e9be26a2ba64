/**
 * Single-flight reads with a short cache, for data that many callers want at once (a room when
 * thousands join it) and that the owner invalidates the moment it learns of a change.
 *
 * The promise it keeps: a value is handed out only if no `invalidate` of its key happened since the
 * read that produced it began. A read overtaken by an invalidation is repeated before its callers get
 * anything, so a caller never receives a value older than the last change it could have known about.
 */

export interface CoalescedReadsOptions {
  /** A value older than this is read again even without an invalidation (a safety net for lost ones). */
  maxAgeMs: number;
  /** Keys kept; beyond it the oldest settled ones are dropped (reads in flight never are). */
  maxKeys: number;
  now?: () => number;
}

interface Entry<V> {
  /** Bumped by every invalidation; a read may only settle into the cache with the one it started under. */
  generation: number;
  cached?: { value: V; generation: number; readAt: number };
  flight?: Promise<V>;
}

export class CoalescedReads<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  private readonly now: () => number;

  constructor(private readonly options: CoalescedReadsOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * The cached value of `key` while it is valid; else the result of the read in flight for it; else a
   * new `read()`, shared with every caller that arrives before it settles. A failed read is shared by
   * the callers already waiting and not cached.
   */
  get(key: K, read: () => Promise<V>): Promise<V> {
    const entry = this.entryOf(key);
    const { cached } = entry;
    if (
      cached &&
      cached.generation === entry.generation &&
      this.now() - cached.readAt < this.options.maxAgeMs
    ) {
      return Promise.resolve(cached.value);
    }
    if (!entry.flight) {
      const flight = this.readUntilCurrent(entry, read).finally(() => {
        if (entry.flight === flight) entry.flight = undefined;
      });
      entry.flight = flight;
    }
    return entry.flight;
  }

  /** Forgets the value of `key`; a read of it in flight is repeated before anyone gets its result. */
  invalidate(key: K): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    if (entry.flight) {
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

  /** Whether `key` has a value or a read in flight, i.e. whether invalidating it would change anything. */
  has(key: K): boolean {
    return this.entries.has(key);
  }

  private async readUntilCurrent(entry: Entry<V>, read: () => Promise<V>): Promise<V> {
    for (;;) {
      const generation = entry.generation;
      const readAt = this.now();
      const value = await read();
      if (entry.generation === generation) {
        entry.cached = { value, generation, readAt };
        return value;
      }
    }
  }

  private entryOf(key: K): Entry<V> {
    let entry = this.entries.get(key);
    if (entry) return entry;
    entry = { generation: 0 };
    if (this.entries.size >= this.options.maxKeys) this.dropOldestSettled();
    this.entries.set(key, entry);
    return entry;
  }

  // Map order is insertion order, so the first settled entries are the longest-kept ones. One in flight
  // must stay: an invalidation has to find it, or its callers would get a value it should have stopped.
  private dropOldestSettled(): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size < this.options.maxKeys) return;
      if (!entry.flight) this.entries.delete(key);
    }
  }
}
