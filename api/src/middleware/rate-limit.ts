/** Per-client fixed-window rate limit on the shared counter store (Redis when configured). */
import { rateLimited } from '@streamhub/errors/app-error';
import type { CounterStore } from '@streamhub/infra/counters/port';
import type { AppContext } from '../context.ts';
import { setEarlyHeader } from './response-headers.ts';

export interface RateLimitOptions {
  max: number;
  windowMs: number;
  counters: CounterStore;
  /** Identifies the client, usually by IP. */
  key(c: AppContext): string;
}

/** Counts a request: sets the `RateLimit-*` headers, and rejects with 429 past the limit. */
export const rateLimiter = (options: RateLimitOptions) => {
  const limit = String(options.max);
  return async (c: AppContext): Promise<void> => {
    const { count, resetAt } = await options.counters.hit(`ratelimit:${options.key(c)}`, options.windowMs);
    const resetSeconds = Math.max(0, Math.ceil((resetAt - Date.now()) / 1000));
    setEarlyHeader(c, 'RateLimit-Limit', limit);
    setEarlyHeader(c, 'RateLimit-Remaining', String(Math.max(0, options.max - count)));
    setEarlyHeader(c, 'RateLimit-Reset', String(resetSeconds));
    if (count > options.max) throw rateLimited(Math.max(1, resetSeconds));
  };
};
