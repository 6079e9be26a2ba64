/** Per-client fixed-window rate limit on the shared counter store (Redis when configured). */
import { rateLimited } from '@streamhub/errors/app-error';
import type { CounterHit, CounterStore } from '@streamhub/infra/counters/port';
import type { AppContext } from '../context.ts';
import { directHeaders, nodeResponse } from './response-headers.ts';

export interface RateLimitOptions {
  max: number;
  windowMs: number;
  counters: CounterStore;
  /** Identifies the client, usually by IP. */
  key(c: AppContext): string;
}

// The store's keys of the clients seen lately, so that a request builds no key string of its own.
const KEY_CACHE_SIZE = 10_000;

/**
 * Counts a request: sets the `RateLimit-*` headers, and rejects with 429 past the limit. With a store
 * that counts in process (`hitNow`) it returns nothing and throws synchronously, so the gateway's guard
 * awaits nothing on the hot path (docs/benchmarks.md, Gateway); with Redis it returns a promise.
 */
export const rateLimiter = (options: RateLimitOptions) => {
  const limit = String(options.max);
  const { counters, windowMs, max } = options;
  const keys = new Map<string, string>();
  const storeKey = (client: string): string => {
    let key = keys.get(client);
    if (key === undefined) {
      if (keys.size >= KEY_CACHE_SIZE) keys.clear();
      key = `ratelimit:${client}`;
      keys.set(client, key);
    }
    return key;
  };
  const apply = (c: AppContext, { count, resetAt }: CounterHit): void => {
    const resetSeconds = Math.max(0, Math.ceil((resetAt - Date.now()) / 1000));
    const remaining = String(Math.max(0, max - count));
    const reset = String(resetSeconds);
    // See response-headers.ts: on Node straight onto the ServerResponse, elsewhere through c.header().
    const outgoing = nodeResponse(c);
    if (outgoing) {
      // Numbers only: valid header values as they stand.
      const target = directHeaders(outgoing);
      target.setHeader('RateLimit-Limit', limit);
      target.setHeader('RateLimit-Remaining', remaining);
      target.setHeader('RateLimit-Reset', reset);
    } else {
      c.header('RateLimit-Limit', limit);
      c.header('RateLimit-Remaining', remaining);
      c.header('RateLimit-Reset', reset);
    }
    if (count > max) throw rateLimited(Math.max(1, resetSeconds));
  };
  const hitNow = counters.hitNow?.bind(counters);
  return (c: AppContext): Promise<void> | undefined => {
    const key = storeKey(options.key(c));
    if (hitNow) {
      apply(c, hitNow(key, windowMs));
      return undefined;
    }
    return counters.hit(key, windowMs).then((hit) => apply(c, hit));
  };
};
