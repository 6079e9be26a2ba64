import type { Context } from 'hono';
import type { GatewayDeps } from '../deps.ts';

/**
 * The client's address for rate limits and logs. `X-Forwarded-For` is believed only behind a
 * trusted proxy (TRUST_PROXY), or any client could pick its own rate-limit bucket.
 */
export function pickClientIp(
  trustProxy: boolean,
  forwardedFor: string | undefined,
  remoteAddress: string | undefined,
): string {
  if (trustProxy) {
    const first = forwardedFor?.split(',', 1)[0]?.trim();
    if (first) return first;
  }
  return remoteAddress ?? 'unknown';
}

export function clientIp(c: Context, deps: GatewayDeps): string {
  const { trustProxy } = deps.config;
  // The header is read only when it counts: every request's rate limit asks (docs/benchmarks.md, Gateway).
  const forwardedFor = trustProxy ? c.req.header('x-forwarded-for') : undefined;
  return pickClientIp(trustProxy, forwardedFor, deps.remoteAddress(c));
}
