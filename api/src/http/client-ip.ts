import type { Context } from 'hono';
import type { GatewayDeps } from '../deps.ts';

/**
 * The client's address for rate limits and logs. `X-Forwarded-For` is believed only behind a
 * trusted proxy (TRUST_PROXY), or any client could pick its own rate-limit bucket.
 */
export function clientIp(c: Context, deps: GatewayDeps): string {
  if (deps.config.trustProxy) {
    const forwarded = c.req.header('x-forwarded-for');
    const first = forwarded?.split(',', 1)[0]?.trim();
    if (first) return first;
  }
  return deps.remoteAddress(c) ?? 'unknown';
}
