/**
 * In-process counters. `hit` sits on the gateway's hot path, so it reuses one entry per key, schedules
 * no timer per hit, and expires lazily; a single unref'd sweep drops keys nobody hits any more.
 */
import { assertWindow, type CounterHit, type CounterStore } from './port.ts';

interface Entry {
  count: number;
  resetAt: number;
}

export interface MemoryCounterStoreOptions {
  /** How often expired keys are dropped; defaults to 60 s. */
  sweepIntervalMs?: number;
  /** Clock, for tests; defaults to `Date.now`. */
  now?: () => number;
}

/** Creates an in-process store; counts are per process (per replica). */
export function createMemoryCounterStore(options: MemoryCounterStoreOptions = {}): CounterStore {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const sweep = setInterval(() => {
    const at = now();
    for (const [key, entry] of entries) if (entry.resetAt <= at) entries.delete(key);
  }, options.sweepIntervalMs ?? 60_000);
  // A rate-limit sweep must never keep a process (or a test run) alive.
  sweep.unref();

  const hitNow = (key: string, windowMs: number): CounterHit => {
    assertWindow(windowMs);
    const at = now();
    const entry = entries.get(key);
    if (entry === undefined) {
      entries.set(key, { count: 1, resetAt: at + windowMs });
      return { count: 1, resetAt: at + windowMs };
    }
    if (entry.resetAt <= at) {
      entry.count = 1;
      entry.resetAt = at + windowMs;
    } else {
      entry.count += 1;
    }
    return { count: entry.count, resetAt: entry.resetAt };
  };

  return {
    hitNow,

    async hit(key, windowMs) {
      return hitNow(key, windowMs);
    },

    async peek(key) {
      const entry = entries.get(key);
      return entry && entry.resetAt > now() ? { count: entry.count, resetAt: entry.resetAt } : undefined;
    },

    async reset(key) {
      entries.delete(key);
    },

    async close() {
      clearInterval(sweep);
      entries.clear();
    },
  };
}
