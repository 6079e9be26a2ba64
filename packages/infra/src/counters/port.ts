/** The counter store port: fixed-window hit counters for rate limits, shared by replicas when on Redis. */

export interface CounterHit {
  /** Hits in the current window, this one included. */
  count: number;
  /** Epoch milliseconds at which the current window ends and the count starts again. */
  resetAt: number;
}

export interface CounterStore {
  /**
   * Counts one hit on `key`. The first hit opens a window of `windowMs`; later hits in it raise the
   * count; the first hit after it opens a new window at 1.
   */
  hit(key: string, windowMs: number): Promise<CounterHit>;
  /**
   * `hit` without a promise, offered only by stores that count without I/O (the in-process one): the
   * gateway's rate limiter counts every request, and an awaited call there costs a microtask turn.
   */
  hitNow?(key: string, windowMs: number): CounterHit;
  /** The current window of `key` without counting a hit; undefined when no window is open. */
  peek(key: string): Promise<CounterHit | undefined>;
  /** Forgets `key`, so its next hit opens a fresh window. */
  reset(key: string): Promise<void>;
  /** Stops background work and releases connections. */
  close(): Promise<void>;
}

export interface CounterStoreOptions {
  /** Redis URL; when absent counters live in this process only. */
  redisUrl?: string;
  /** Namespace for Redis keys; defaults to `streamhub:`. */
  prefix?: string;
  /** Reports connection problems on Redis; defaults to stderr. */
  onError?: (error: Error) => void;
}

/** Rejects windows that would make a counter never (or instantly) expire. */
export function assertWindow(windowMs: number): void {
  if (!Number.isInteger(windowMs) || windowMs <= 0) {
    throw new RangeError(`windowMs must be a positive integer, got ${windowMs}`);
  }
}
