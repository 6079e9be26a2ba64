/** Per-client fixed-window rate limit on the shared counter store (Redis when configured). */
import { rateLimited } from '@streamhub/errors/app-error';
import type { CounterHit, CounterStore } from '@streamhub/infra/counters/port';
import type { AppContext } from '../context.ts';
import { setEarlyHeader } from './response-headers.ts';

export interface RateLimitOptions {
  max: number;
  windowMs: number;
  counters: CounterStore;
  /** Identifies the client, usually by IP. */
  key(c: AppContext): string;
}

/**
 * Counts a request: sets the `RateLimit-*` headers, and rejects with 429 past the limit. With a store
 * that counts in process (`hitNow`) it returns nothing and throws synchronously, so the gateway's guard
 * awaits nothing on the hot path (docs/benchmarks.md, Gateway); with Redis it returns a promise.
 */
export const rateLimiter = (options: RateLimitOptions) => {
  const limit = String(options.max);
  const { counters, windowMs, max } = options;
  const apply = (c: AppContext, { count, resetAt }: CounterHit): void => {
    const resetSeconds = Math.max(0, Math.ceil((resetAt - Date.now()) / 1000));
    setEarlyHeader(c, 'RateLimit-Limit', limit);
    setEarlyHeader(c, 'RateLimit-Remaining', String(Math.max(0, max - count)));
    setEarlyHeader(c, 'RateLimit-Reset', String(resetSeconds));
    if (count > max) throw rateLimited(Math.max(1, resetSeconds));
  };
  const hitNow = counters.hitNow?.bind(counters);
  return (c: AppContext): Promise<void> | undefined => {
    const key = `ratelimit:${options.key(c)}`;
    if (hitNow) {
      apply(c, hitNow(key, windowMs));
      return undefined;
    }
    return counters.hit(key, windowMs).then((hit) => apply(c, hit));
  };
};
